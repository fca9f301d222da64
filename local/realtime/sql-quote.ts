// Quoting for the few SQL statements built as text (replication commands and per-table look-ups,
// where parameters cannot be bound).

/** A name as a quoted identifier: "my ""table""". */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Text as a quoted literal: 'it''s'. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
