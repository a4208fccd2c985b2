// The provisioning app's synchronization schema (GET/PUT …/synchronization/jobs/{jobId}/schema) as
// an API-driven inbound app to Entra ID has it: a source directory holding the SCIM User the API
// accepts, the target directory, and one rule between them. The directory names are the
// simulator's; hrsync finds the source through the rule, as it must in a real tenant.

/** Roles that may replace the schema (Application.ReadWrite.OwnedBy when the app owns the provisioning app). */
export const SCHEMA_WRITE_ROLES = ['Synchronization.ReadWrite.All', 'Application.ReadWrite.OwnedBy'] as const;

/** The attribute types the service documents. */
const ATTRIBUTE_TYPES = ['String', 'Integer', 'Reference', 'Binary', 'Boolean', 'DateTime'];

export const SOURCE_DIRECTORY = 'API';
export const TARGET_DIRECTORY = 'Azure Active Directory';

function attribute(name: string, type = 'String', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    anchor: false,
    apiExpressions: [],
    caseExact: false,
    defaultValue: null,
    flowNullValues: false,
    metadata: [],
    multivalued: false,
    mutability: 'ReadWrite',
    name,
    referencedObjects: [],
    required: false,
    type,
    ...extra,
  };
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const mapping = (source: string, target: string): Record<string, unknown> => ({
  defaultValue: '',
  exportMissingReferences: false,
  flowBehavior: 'FlowWhenChanged',
  flowType: 'Always',
  matchingPriority: source === 'externalId' ? 1 : 0,
  source: { expression: `[${source}]`, name: source, type: 'Attribute', parameters: [] },
  targetAttributeName: target,
});

/** A fresh copy of the schema a new API-driven app to Entra ID starts with (a subset of its attributes). */
export function initialSchema(jobId: string): Record<string, unknown> {
  const user = (name: string, attributes: Record<string, unknown>[]): Record<string, unknown> => ({ name, attributes, metadata: [], supportedApis: [] });
  return {
    id: jobId.split('.')[0] ?? jobId,
    version: `Date:${new Date(0).toISOString()}~User:simulator`,
    directories: [
      {
        id: 'api',
        name: SOURCE_DIRECTORY,
        discoverabilities: 'None',
        discoveryDateTime: null,
        readOnly: false,
        version: null,
        objects: [
          user('User', [
            attribute('externalId', 'String', { anchor: true, required: true }),
            attribute('userName'),
            attribute('active', 'Boolean'),
            attribute('displayName'),
            attribute('name.givenName'),
            attribute('name.familyName'),
            attribute('title'),
            attribute('userType'),
            attribute('emails[type eq "work"].value'),
            attribute('phoneNumbers[type eq "work"].value'),
            attribute('addresses[type eq "work"].locality'),
            attribute('addresses[type eq "work"].country'),
            attribute(`${ENTERPRISE}:employeeNumber`),
            attribute(`${ENTERPRISE}:department`),
            attribute(`${ENTERPRISE}:costCenter`),
            attribute(`${ENTERPRISE}:division`),
            attribute(`${ENTERPRISE}:organization`),
            attribute(`${ENTERPRISE}:manager`, 'Reference', { referencedObjects: [{ referencedObjectName: 'User', referencedProperty: null }] }),
          ]),
        ],
      },
      {
        id: 'aad',
        name: TARGET_DIRECTORY,
        discoverabilities: 'AttributeNames',
        discoveryDateTime: null,
        readOnly: false,
        version: null,
        objects: [
          user('User', [
            attribute('accountEnabled', 'Boolean'),
            attribute('userPrincipalName'),
            attribute('employeeId', 'String', { anchor: true }),
            attribute('displayName'),
            attribute('givenName'),
            attribute('surname'),
            attribute('jobTitle'),
            attribute('department'),
            attribute('companyName'),
            attribute('mail'),
            attribute('employeeHireDate', 'DateTime'),
            attribute('manager', 'Reference', { referencedObjects: [{ referencedObjectName: 'User', referencedProperty: null }] }),
          ]),
        ],
      },
    ],
    synchronizationRules: [
      {
        editable: true,
        id: 'API2AAD',
        metadata: [],
        name: 'API2AAD',
        priority: 1,
        sourceDirectoryName: SOURCE_DIRECTORY,
        targetDirectoryName: TARGET_DIRECTORY,
        objectMappings: [
          {
            enabled: true,
            flowTypes: 'Add, Update',
            metadata: [],
            name: 'Provision API Users',
            scope: null,
            sourceObjectName: 'User',
            targetObjectName: 'User',
            attributeMappings: [
              mapping('externalId', 'employeeId'),
              mapping('userName', 'userPrincipalName'),
              mapping('displayName', 'displayName'),
              mapping('name.givenName', 'givenName'),
              mapping('name.familyName', 'surname'),
              mapping('title', 'jobTitle'),
              mapping(`${ENTERPRISE}:department`, 'department'),
              mapping(`${ENTERPRISE}:manager`, 'manager'),
            ],
          },
        ],
      },
    ],
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a PUT body just enough to refuse what the service could not store: JSON, directories with
 * names and objects, objects with names and attributes, attributes with a name and a known type,
 * names unique within their object. Names with quotes or spaces are accepted, as the service
 * accepted CSV2SCIM's.
 */
export function checkSchemaBody(text: string): { ok: true; schema: Record<string, unknown> } | { ok: false; message: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The request body is not valid JSON.' };
  }
  if (!isRecord(body) || !Array.isArray(body.directories)) return { ok: false, message: 'The synchronization schema must have a directories collection.' };
  for (const d of body.directories) {
    if (!isRecord(d) || typeof d.name !== 'string' || d.name === '' || !Array.isArray(d.objects))
      return { ok: false, message: 'Every directory needs a name and an objects collection.' };
    for (const o of d.objects) {
      if (!isRecord(o) || typeof o.name !== 'string' || o.name === '' || !Array.isArray(o.attributes))
        return { ok: false, message: `Every object of directory '${d.name}' needs a name and an attributes collection.` };
      const seen = new Set<string>();
      for (const a of o.attributes) {
        if (!isRecord(a) || typeof a.name !== 'string' || a.name === '') return { ok: false, message: `An attribute of '${d.name}/${o.name}' has no name.` };
        if (a.type !== undefined && (typeof a.type !== 'string' || !ATTRIBUTE_TYPES.includes(a.type))) {
          return { ok: false, message: `Attribute '${a.name}' has type '${String(a.type)}'; the type must be one of ${ATTRIBUTE_TYPES.join(', ')}.` };
        }
        const key = a.name.toLowerCase();
        if (seen.has(key)) return { ok: false, message: `Attribute '${a.name}' appears twice in '${d.name}/${o.name}'.` };
        seen.add(key);
      }
    }
  }
  if (body.synchronizationRules !== undefined && !Array.isArray(body.synchronizationRules)) return { ok: false, message: 'synchronizationRules must be a collection.' };
  return { ok: true, schema: body };
}
