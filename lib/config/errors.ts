import type { SettingName } from './names.js';

/** One unusable setting: the variable and what it should hold. Never the value itself, which may be a secret. */
export interface SettingProblem {
  variable: SettingName;
  message: string;
}

/** Settings cannot be used; lists every bad variable at once so one run finds them all. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: readonly SettingProblem[]) {
    super(
      problems.length === 1 ? `Invalid setting: ${problems[0]?.message ?? ''}` : `Invalid settings (${problems.length}):\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
    );
  }
}
