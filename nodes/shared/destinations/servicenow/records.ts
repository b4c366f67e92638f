/**
 * sys_user rows and requesters: which columns are read (`sysparm_fields`), a row read back in
 * canonical field names, and the body of a write. Reference columns go through ReferenceNames;
 * a name ServiceNow does not have becomes a field-level reason, like Freshservice's departments.
 */
import { type MappedRequesterFields, type Requester, type RequesterFieldId } from '../../requester/model';
import { asText, keyOf, sourceValue, type StoredSource } from '../common';
import { DestinationValidationError, type DestinationRecord } from '../types';
import { refValue, type ReferenceNames } from './references';
import type { Row } from './requests';
import { columnOf, isReferenceField, MANAGER_COLUMN, REFERENCE_COLUMNS, TEXT_COLUMNS, type ColumnLayout, type ReferenceField, type TextField } from './settings';

export interface RowContext {
	layout: ColumnLayout;
	references: ReadonlyMap<ReferenceField, ReferenceNames>;
}

/** The columns a read asks for: only what is matched on or compared. */
export function readColumns(layout: ColumnLayout): string[] {
	const columns = ['sys_id', 'active', layout.keyField, layout.azureObjectIdField, MANAGER_COLUMN, ...layout.supportedFields.map((field) => columnOf(field))];
	return [...new Set(columns.filter((column): column is string => column !== undefined))];
}

/** Rows as records, after loading the names their reference columns point at. */
export async function toRecords(rows: Row[], context: RowContext): Promise<DestinationRecord[]> {
	await Promise.all(
		[...context.references].map(async ([field, names]) => {
			const ids = rows.map((row) => asText(refValue(row[REFERENCE_COLUMNS[field].column]))).filter((id): id is string => id !== null);
			if (ids.length > 0) await names.load(ids);
		}),
	);
	return rows.map((row) => toRecord(row, context));
}

function toRecord(row: Row, context: RowContext): DestinationRecord {
	const { layout } = context;
	const id = asText(row.sys_id);
	if (id === null) throw new Error('ServiceNow answered with a sys_user row without sys_id');
	const fields: Partial<Record<RequesterFieldId, unknown>> = {};
	for (const field of layout.supportedFields) {
		if (isReferenceField(field)) fields[field] = context.references.get(field)?.nameOf(asText(refValue(row[REFERENCE_COLUMNS[field].column]))) ?? null;
		else fields[field] = asText(row[TEXT_COLUMNS[field as TextField]]);
	}
	return {
		id,
		key: keyOf(row[layout.keyField]),
		azureObjectId: layout.azureObjectIdField ? asText(row[layout.azureObjectIdField]) : null,
		// The Table API sends booleans as "true" / "false".
		active: row.active !== false && row.active !== 'false',
		fields: fields as Partial<MappedRequesterFields>,
		managerId: asText(refValue(row[MANAGER_COLUMN])),
	};
}

/** What a read-back shows after writing `requester`: reference names as ServiceNow spells them. */
export function expectedFields(requester: Requester, context: RowContext): Partial<MappedRequesterFields> {
	const expected: Partial<Record<RequesterFieldId, unknown>> = {};
	for (const field of context.layout.supportedFields) {
		expected[field] = isReferenceField(field) ? (context.references.get(field)?.canonical(requester[field]) ?? requester[field]) : requester[field];
	}
	return expected as Partial<MappedRequesterFields>;
}

/**
 * The columns for these sources; an empty value is written as '' (ServiceNow's empty). Unknown
 * reference names fail together, as one validation error with a reason per field.
 */
export async function bodyFor(requester: Requester, sources: Iterable<StoredSource>, context: RowContext): Promise<Row> {
	const { layout } = context;
	const body: Row = {};
	const unknown: Array<{ field: string; message: string; code: string }> = [];
	await Promise.all(
		[...new Set(sources)].map(async (source) => {
			if (source === 'azureObjectId') {
				if (layout.azureObjectIdField) body[layout.azureObjectIdField] = requester.azureObjectId;
			} else if (source === 'ssoKey') {
				body[layout.keyField] = requester.ssoKey.value;
			} else if (isReferenceField(source)) {
				const names = context.references.get(source);
				const name = requester[source];
				if (!names) return;
				const id = name === null ? '' : await names.idFor(name);
				if (id === null) unknown.push(unknownName(source, name!));
				else body[names.spec.column] = id;
			} else if (source in TEXT_COLUMNS) {
				body[TEXT_COLUMNS[source as TextField]] = textOf(sourceValue(requester, source));
			}
		}),
	);
	if (unknown.length > 0) {
		unknown.sort((a, b) => a.field.localeCompare(b.field));
		throw new DestinationValidationError(`ServiceNow has no ${unknown.map((reason) => REFERENCE_COLUMNS[reason.field as ReferenceField].noun).join(' or ')} with that name`, 0, unknown);
	}
	return body;
}

function unknownName(field: ReferenceField, name: string): { field: string; message: string; code: string } {
	const spec = REFERENCE_COLUMNS[field];
	return {
		field,
		message: `ServiceNow has no ${spec.noun} named "${name}" (${spec.table}): add it under ${spec.where}, or change the mapping of this field`,
		code: spec.code,
	};
}

function textOf(value: string | string[] | null): string {
	if (Array.isArray(value)) return value.join(', ');
	return value ?? '';
}

/** A create sends only values; an empty column is ServiceNow's default anyway. */
export function dropEmpty(body: Row): Row {
	return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== '' && value !== null && value !== undefined));
}

/** Several users on one key are a data problem: prefer an active one, else the first answered. */
export function pickOne(records: DestinationRecord[]): DestinationRecord | null {
	return records.find((record) => record.active) ?? records[0] ?? null;
}
