/** SCIM schema URNs used by Entra API-driven inbound provisioning. */
export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** Custom extensions must follow `urn:ietf:params:scim:schemas:extension:<name>:1.0:User`. */
export const CUSTOM_EXTENSION_PATTERN = /^urn:ietf:params:scim:schemas:extension:[A-Za-z0-9][A-Za-z0-9_.-]*:1\.0:User$/;

/** The media type bulkUpload requires; anything else is answered 400 "Invalid Data Format". */
export const SCIM_CONTENT_TYPE = 'application/scim+json';

/** The documented ceiling of operations in one bulkUpload request. */
export const MAX_OPERATIONS_PER_REQUEST = 50;
