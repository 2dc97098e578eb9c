/** The SQL text of every statement the connector prepared in this test file (test/record-statements.ts). */
export const statements = new Set<string>();
