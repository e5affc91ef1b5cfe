// Filling a notify step's message: `{level}`, `{rto}`, `{fact.invoicesAffected}`; `{{` and `}}`
// are literal braces. Unknown placeholders are refused when the plan is parsed.

/** Values for placeholders (MESSAGE_PLACEHOLDERS) and the incident's facts. */
export interface MessageValues {
  values: Readonly<Record<string, string | number | undefined>>;
  facts?: Readonly<Record<string, unknown>>;
}

/** Replaces placeholders; one without a value is left as written, so nothing is silently blanked. */
export function renderMessage(template: string, { values, facts = {} }: MessageValues): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole: string, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    if (name === undefined) return whole;
    if (name.startsWith('fact.')) {
      const key = name.slice(5);
      const v = Object.prototype.hasOwnProperty.call(facts, key) ? facts[key] : undefined;
      return v === undefined || v === null ? whole : String(v);
    }
    const v = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    return v === undefined ? whole : String(v);
  });
}
