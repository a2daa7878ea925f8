/** Splits an HTTP tool's URL template into text and `{placeholder}` parts, for highlighting. */
export function templateParts(template: string): Array<{ text: string; placeholder: boolean }> {
  const parts: Array<{ text: string; placeholder: boolean }> = [];
  let last = 0;
  for (const match of template.matchAll(/\{[A-Za-z_][A-Za-z0-9_]*\}/g)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index), placeholder: false });
    parts.push({ text: match[0], placeholder: true });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last), placeholder: false });
  return parts;
}

/** The placeholders of a template that the parameter schema does not declare. */
export function undeclaredPlaceholders(
  template: string,
  parameters: { properties?: Record<string, unknown> },
): string[] {
  const declared = new Set(Object.keys(parameters.properties ?? {}));
  return templateParts(template)
    .filter((p) => p.placeholder)
    .map((p) => p.text.slice(1, -1))
    .filter((name) => !declared.has(name));
}
