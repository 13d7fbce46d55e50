// Named prepared statements on PGlite, spoken in PostgreSQL's extended query protocol. PGlite's own query() sends
// Parse, Describe, Bind, Describe, Execute and Sync as six calls into the WebAssembly module and plans the text
// anew every time; a statement a worker runs hundreds of times a second (the webhook round) is parsed and planned
// once here and then runs as a single Bind/Execute/Sync call: a parameterised select measured 125 µs through
// query() and 36 µs this way, and the webhook round saves its ~1 ms of planning. Plain JavaScript: it runs on the
// embedded database's thread (pglite-thread.mjs).

/** One frontend message: type byte, length (itself included), body. */
function message(type, parts) {
  const body = Buffer.concat(parts);
  const out = Buffer.allocUnsafe(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

const cstring = (text) => Buffer.from(`${text}\0`, 'utf8');
const int16 = (n) => {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n) => {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n);
  return b;
};

/** Parameters travel as text, as node-postgres sends them; PostgreSQL infers their types from the statement. */
function parameterText(value) {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const parse = (name, text) => message('P', [cstring(name), cstring(text), int16(0)]);
const describeStatement = (name) => message('D', [Buffer.from('S'), cstring(name)]);
const sync = () => message('S', []);
function bind(name, values) {
  const encoded = values.map(parameterText).flatMap((text) => (text === null ? [int32(-1)] : [int32(Buffer.byteLength(text)), Buffer.from(text, 'utf8')]));
  // Unnamed portal; all parameters and all results in text format.
  return message('B', [cstring(''), cstring(name), int16(0), int16(values.length), ...encoded, int16(0)]);
}
const execute = () => message('E', [cstring(''), int32(0)]);

/**
 * The prepared statements of one PGlite instance (prepared statements belong to its one session, and outlive
 * transactions, committed or not). `run` must be called where the caller already holds PGlite's query lock.
 */
export function createPreparedStatements(db) {
  /** Result columns by statement name, from the Describe sent when it was prepared. */
  const prepared = new Map();

  async function prepare(name, text, syncToFs) {
    const { messages } = await db.execProtocol(Buffer.concat([parse(name, text), describeStatement(name), sync()]), { syncToFs });
    const description = messages.find((m) => m.name === 'rowDescription');
    const fields = (description?.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
    prepared.set(name, fields);
    return fields;
  }

  return {
    /** Runs the statement named `name` (prepared from `text` on first use) and returns its rows as objects. */
    async run(name, text, params, { syncToFs }) {
      const fields = prepared.get(name) ?? (await prepare(name, text, syncToFs));
      const { messages } = await db.execProtocol(Buffer.concat([bind(name, params), execute(), sync()]), { syncToFs });
      const parsers = fields.map((f) => db.parsers[f.dataTypeID]);
      const rows = [];
      let affectedRows;
      for (const m of messages) {
        if (m.name === 'dataRow') {
          const row = {};
          m.fields.forEach((value, i) => (row[fields[i].name] = value === null || !parsers[i] ? value : parsers[i](value, fields[i].dataTypeID)));
          rows.push(row);
        } else if (m.name === 'commandComplete') {
          affectedRows = m.text.match(/^(?:INSERT \d+|UPDATE|DELETE|MERGE) (\d+)$/)?.[1];
        }
      }
      return { rows, fields, affectedRows: affectedRows === undefined ? 0 : Number(affectedRows) };
    },
  };
}
