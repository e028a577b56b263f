// Read the published warehouse through DuckDB's Node client, as a BI tool of another language
// would: every sop_mart table's row count and a digest of its rows, and the publication record.
//
//   node read_warehouse.mjs <sop.duckdb> [--client duckdb-1.1] [--until <stop file> --out <json>]
//
// --client: the folder (beside this script) whose @duckdb/node-api to read with; default this
//   folder (1.5.6, the line Evidence uses), duckdb-1.1 for DuckDB 1.1.3. Each folder has its own
//   package.json: two DuckDB libraries cannot share one Node process.
// Once (default): one look, printed as JSON. With --until: looks again and again, each through a
//   new read-only connection, until the stop file exists; then writes every look to --out.
//   <out>.ready appears after the first look.
import { createRequire } from 'node:module';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
}

const here = dirname(fileURLToPath(import.meta.url));
const serving = process.argv[2];
const clientDir = join(here, option('--client', '.'));
const until = option('--until', null);
const out = option('--out', null);
const { DuckDBInstance } = createRequire(join(clientDir, 'package.json'))('@duckdb/node-api');

async function rows(connection, sql) {
  return (await connection.runAndReadAll(sql)).getRows();
}

function quote(name) {
  return '"' + String(name).replaceAll('"', '""') + '"';
}

// The digest of a table: md5 over its rows, each row its columns cast to text, sorted. The
// test computes the same SQL through Python's DuckDB.
export function digestSql(table, columns) {
  const cells = columns.map((c) => `coalesce(cast(${quote(c)} as varchar), '<null>')`);
  return (
    `select count(*)::varchar, md5(coalesce(string_agg(r, chr(10) order by r), '')) ` +
    `from (select concat_ws(chr(31), ${cells.join(', ')}) as r from ${table})`
  );
}

async function look() {
  const instance = await DuckDBInstance.create(serving, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const [[version]] = await rows(connection, 'select version()');
    const [[publishedAt, planMonths]] = await rows(
      connection,
      'select published_at::varchar, plan_months::varchar from meta.publication',
    );
    const columns = await rows(
      connection,
      "select table_name, column_name from duckdb_columns() where schema_name = 'sop_mart'" +
        ' order by table_name, column_index',
    );
    const byTable = new Map();
    for (const [table, column] of columns) {
      byTable.set(table, [...(byTable.get(table) ?? []), column]);
    }
    const tables = {};
    for (const [table, names] of byTable) {
      const [[count, digest]] = await rows(
        connection,
        digestSql(`sop_mart.${quote(table)}`, names),
      );
      tables[`sop_mart.${table}`] = [Number(count), digest];
    }
    return { client: version, published_at: publishedAt, plan_months: planMonths, tables };
  } finally {
    (connection.closeSync ?? connection.close).call(connection);
    instance.closeSync?.();
  }
}

if (!until) {
  process.stdout.write(JSON.stringify(await look()) + '\n');
} else {
  const looks = [];
  for (;;) {
    const stopping = existsSync(until);
    try {
      looks.push(await look());
    } catch (error) {
      looks.push({ error: String(error?.message ?? error) });
    }
    if (looks.length === 1) writeFileSync(out + '.ready', '');
    if (stopping) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  writeFileSync(out, JSON.stringify(looks));
}
