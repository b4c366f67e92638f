import { escapeODataString, odataString, isGuid, userPathSegment } from '../../nodes/shared/graph/odata';

describe('OData escaping', () => {
	it("doubles single quotes so O'Brien cannot end the literal", () => {
		expect(escapeODataString("O'Brien")).toBe("O''Brien");
		expect(odataString("O'Brien")).toBe("'O''Brien'");
		expect(odataString("x' or 1 eq 1 or mail eq 'y")).toBe("'x'' or 1 eq 1 or mail eq ''y'");
	});

	it('leaves other characters to URL encoding', () => {
		expect(odataString('a+b@contoso.com')).toBe("'a+b@contoso.com'");
		expect(userPathSegment(' jane.doe_contoso.com#EXT#@fabrikam.onmicrosoft.com ')).toBe(
			'jane.doe_contoso.com%23EXT%23%40fabrikam.onmicrosoft.com',
		);
	});

	it('recognises GUIDs', () => {
		expect(isGuid('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBe(true);
		expect(isGuid('72f988bf86f141af91ab2d7cd011db47')).toBe(false);
		expect(isGuid("72f988bf-86f1-41af-91ab-2d7cd011db47' or 1 eq 1")).toBe(false);
	});
});
