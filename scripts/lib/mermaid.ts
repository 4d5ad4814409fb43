/**
 * Mermaid text for the diagrams the scripts draw from their own observations (`--mermaid`).
 */

/** Text Mermaid shows as it is: a double quote inside is written as Mermaid's #quot;. */
export const text = (value: string) => value.replaceAll('"', '#quot;');

/** A node or edge label: quoted, so that Mermaid takes brackets and colons in it as text. */
export const label = (value: string) => `"${text(value)}"`;
