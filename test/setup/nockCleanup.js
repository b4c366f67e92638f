// nock intercepts by patching Node's http module, which all test files of a jest worker share.
// Undo it after each file, so a later file that talks to a real server (e.g. through a real
// forward proxy in test/http/proxy.test.ts) is not routed through another file's interceptor.
afterAll(() => {
  const nock = require('nock');
  nock.cleanAll();
  nock.restore();
});
