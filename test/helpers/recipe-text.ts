/** The smallest valid recipe text for NAME (version "1.0"), with more YAML appended. */
export function recipeText(name: string, more = ''): string {
  return `name: ${name}
version: "1.0"
description: ${name}
author: A
original-site: https://example.invalid
copying-policy: MIT
${more}`;
}
