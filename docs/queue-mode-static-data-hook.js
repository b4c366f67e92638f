/**
 * n8n external hook: gives queue-mode workers the workflow's saved static data.
 *
 * Why: in n8n 2.41.1 queue mode, a new production execution (schedule, webhook) runs on a worker
 * with the static data stored beside the execution, and n8n stores the execution's workflow
 * without its static data (`toWorkflowSnapshot` keeps id, name, nodes, connections, settings);
 * the worker reloads it from the workflow table only for resumed executions (`loadStaticData` is
 * false for new ones). So every run starts from empty static data and then saves over what the
 * previous run kept: the sync's cursor, unsynced list and statistics, the SSO store, and every
 * other node's static data. See docs/scale.md.
 *
 * What it does: before the first node runs, when the execution's static data is empty, it reads
 * the workflow's saved static data, as n8n itself does for resumed executions. Nothing else
 * changes; when static data was loaded (regular mode, or a fixed n8n) it does nothing.
 *
 * Use it on every worker (harmless on main):
 *   EXTERNAL_HOOK_FILES=/path/to/queue-mode-static-data-hook.js
 *   N8N_PRE_EXECUTE_ERROR_CREATES_EXECUTION=true   # n8n 2.41 runs `workflow.preExecute` on the
 *                                                  # process that executes only with this set
 */
module.exports = {
	workflow: {
		preExecute: [
			async function loadSavedStaticData(workflow, mode) {
				if (mode === 'manual' || !workflow || !workflow.id || typeof workflow.overrideStaticData !== 'function') return;
				const current = Object.keys(workflow.staticData || {}).filter((key) => key !== '__dataChanged');
				if (current.length > 0) return;
				const saved = await this.dbCollections.Workflow.findOne({ select: ['id', 'staticData'], where: { id: workflow.id } });
				if (!saved || !saved.staticData || Object.keys(saved.staticData).length === 0) return;
				workflow.overrideStaticData(saved.staticData);
				// Loaded, not changed: n8n saves it at the end only if a node changes it.
				workflow.staticData.__dataChanged = false;
			},
		],
	},
};
