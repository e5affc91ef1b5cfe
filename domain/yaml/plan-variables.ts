// Plan variables: the only values a plan or the team directory may take from its surroundings
// (`${NAME}`). Only names beginning YINGJI_PLAN_ are ever read, so a plan cannot publish the API's
// secrets (`${DATABASE_URL}`), and the refusal is the same whether or not such a variable exists.

export const PLAN_VARIABLE_PREFIX = 'YINGJI_PLAN_';
const PLAN_VARIABLE_NAME = /^YINGJI_PLAN_[A-Za-z0-9_]+$/;

/** Values for `${NAME}`: only YINGJI_PLAN_* names, nothing else. */
export type PlanVariables = Readonly<Record<string, string>>;

export function isPlanVariableName(name: string): boolean {
  return PLAN_VARIABLE_NAME.test(name);
}

/**
 * The plan variables of an environment (e.g. `planVariables(process.env)`): every caller that loads a
 * plan or team directory builds them here, and the reader applies it again to whatever it is given.
 */
export function planVariables(env: Readonly<Record<string, string | undefined>>): PlanVariables {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isPlanVariableName(name)) out[name] = value;
  }
  return Object.freeze(out);
}

/** The refusal for `${NAME}` outside the allow-list; it never depends on the environment. */
export function notAPlanVariable(name: string): string {
  // `${YINGJI_PLAN_}` or `${yingji_plan_x}`: prefixing again would not help.
  const instead = name.toUpperCase().startsWith('YINGJI_PLAN') ? `a name such as ${PLAN_VARIABLE_PREFIX}TITLE` : `${PLAN_VARIABLE_PREFIX}${name}`;
  return `only variables named ${PLAN_VARIABLE_PREFIX}* may be used in a plan (used here as \${${name}}); set ${instead} instead`;
}
