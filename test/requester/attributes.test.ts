import {
	GRAPH_USER_ATTRIBUTES,
	describeAttribute,
	isDirectoryExtensionName,
	readAttribute,
} from '../../nodes/shared/requester/attributes';
import { BADGE_EXTENSION, adele, nulls } from './fixtures';

describe('attribute catalogue', () => {
	it('describes plain, nested and list attributes with their $select name', () => {
		expect(describeAttribute('mail')).toEqual({
			path: 'mail',
			label: 'Mail',
			type: 'string',
			select: 'mail',
		});
		expect(describeAttribute('employeeOrgData.costCenter')).toEqual({
			path: 'employeeOrgData.costCenter',
			label: 'Cost Center',
			type: 'string',
			select: 'employeeOrgData',
		});
		expect(describeAttribute('businessPhones')?.type).toBe('string[]');
		expect(describeAttribute('employeeHireDate')?.type).toBe('dateTime');
		expect(describeAttribute('manager')).toEqual({
			path: 'manager',
			label: 'Manager',
			type: 'manager',
			select: '',
		});
	});

	it('lists all fifteen on-premises extension attributes', () => {
		const paths = GRAPH_USER_ATTRIBUTES.map((info) => info.path).filter((path) =>
			path.startsWith('onPremisesExtensionAttributes.'),
		);
		expect(paths).toHaveLength(15);
		expect(paths[14]).toBe('onPremisesExtensionAttributes.extensionAttribute15');
		expect(describeAttribute('onPremisesExtensionAttributes.extensionAttribute16')).toBeUndefined();
	});

	it('accepts directory extension names and selects them by full name', () => {
		expect(isDirectoryExtensionName(BADGE_EXTENSION)).toBe(true);
		expect(describeAttribute(BADGE_EXTENSION)).toEqual({
			path: BADGE_EXTENSION,
			label: BADGE_EXTENSION,
			type: 'unknown',
			select: BADGE_EXTENSION,
		});
		expect(isDirectoryExtensionName('extension_1234_badge')).toBe(false);
		expect(isDirectoryExtensionName('extension_b7e4c2a1-9d3f-4e5a-8c6b-1d2e3f4a5b6c_badge')).toBe(
			false,
		);
	});

	it('does not know made-up attributes', () => {
		expect(describeAttribute('jobTitel')).toBeUndefined();
		expect(describeAttribute('employeeOrgData.region')).toBeUndefined();
	});
});

describe('readAttribute', () => {
	it('reads top-level, dotted and extension paths', () => {
		expect(readAttribute(adele, 'jobTitle')).toBe('Retail Manager');
		expect(readAttribute(adele, 'employeeOrgData.division')).toBe('Consumer');
		expect(readAttribute(adele, 'onPremisesExtensionAttributes.extensionAttribute1')).toBe('VIP');
		expect(readAttribute(adele, BADGE_EXTENSION)).toBe('B-1042');
		expect(readAttribute(adele, 'manager.displayName')).toBe('Megan Bowen');
	});

	it('returns null or undefined through missing and null parents', () => {
		expect(readAttribute(nulls, 'employeeOrgData.division')).toBeUndefined();
		expect(readAttribute(nulls, 'onPremisesExtensionAttributes.extensionAttribute1')).toBeNull();
		expect(readAttribute(nulls, 'notThere.deeper')).toBeUndefined();
		expect(readAttribute(nulls, 'mail')).toBeNull();
	});
});
