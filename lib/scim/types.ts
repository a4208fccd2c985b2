// Shapes of the SCIM documents hrsync sends (RFC 7643/7644 as profiled by Entra inbound provisioning).

export interface ScimName {
  formatted?: string;
  familyName?: string;
  givenName?: string;
  middleName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
}

/** An entry of a multi-valued attribute; Entra processes only `type: "work"`. */
export interface ScimMultiValue {
  type?: string;
  primary?: boolean;
  value?: string;
  display?: string;
}

export interface ScimAddress {
  type?: string;
  primary?: boolean;
  formatted?: string;
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

// A type alias, not an interface, so it fits the `urn:` index signature of ScimUser.
export type EnterpriseUserExtension = {
  employeeNumber?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  department?: string;
  /** `value` is the manager's externalId, not a directory object id. */
  manager?: { value?: string; displayName?: string };
};

export type ScimValue = string | number | boolean | null | ScimValue[] | { [key: string]: ScimValue };

/** A SCIM User as sent in a bulk operation's `data`. Extension attributes sit under their schema URN. */
export interface ScimUser {
  schemas: string[];
  externalId: string;
  active: boolean;
  userName?: string;
  name?: ScimName;
  displayName?: string;
  nickName?: string;
  profileUrl?: string;
  title?: string;
  userType?: string;
  preferredLanguage?: string;
  locale?: string;
  timezone?: string;
  emails?: ScimMultiValue[];
  phoneNumbers?: ScimMultiValue[];
  addresses?: ScimAddress[];
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'?: EnterpriseUserExtension;
  // Extension attributes are typed loosely: the enterprise one above, custom ones as mapped.
  [extension: `urn:${string}`]: { [attribute: string]: unknown } | undefined;
}

export interface BulkOperation {
  method: 'POST';
  bulkId: string;
  path: '/Users';
  data: ScimUser;
}

export interface BulkRequest {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'];
  Operations: BulkOperation[];
  failOnErrors: null;
}
