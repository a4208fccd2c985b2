// App-setting resolution the way the Functions host does it at start-up: %NAME% binding
// expressions and named storage connections, with errors that say which function and setting.

export type AppSettings = Record<string, string | undefined>;

/** Replaces each `%NAME%` in a binding value with the app setting; an unset name throws naming the function, option and setting. */
export function resolveBinding(text: string, env: AppSettings, functionName: string, option: string): string {
  return text.replace(/%([^%]+)%/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new Error(`function ${functionName}: app setting ${name} is not set (${option} "${text}")`);
    }
    return value;
  });
}

/** The setting names a binding expression refers to, so later errors can name them too. */
export function settingNames(text: string): string[] {
  return [...text.matchAll(/%([^%]+)%/g)].map((m) => m[1] as string);
}

/**
 * The connection string behind a binding's `connection` option. The host also accepts the name
 * with an `AzureWebJobs` prefix; identity-based connections (`NAME__serviceUri`) need Azure, so
 * locally they fail with the reason.
 */
export function connectionString(env: AppSettings, connection: string | undefined, functionName: string): string {
  const name = connection === undefined || connection === '' ? 'AzureWebJobsStorage' : resolveBinding(connection, env, functionName, 'connection');
  const value = env[name] ?? env[`AzureWebJobs${name}`];
  if (value !== undefined && value !== '') return value;
  const identity = Object.keys(env).some((k) => k.startsWith(`${name}__`));
  throw new Error(
    `function ${functionName}: connection setting ${name} is not set` +
      (identity ? ` (identity-based ${name}__* settings need Azure; set ${name} to a connection string locally)` : ''),
  );
}
