/**
 * `samples.tpch`: the eight TPC-H tables at a small scale factor (SF 0.01 at scale 1: 5 regions,
 * 25 nations, 100 suppliers, 2,000 parts, 8,000 partsupp, 1,500 customers, 15,000 orders, ~60,000
 * line items), referentially consistent, generated deterministically in DuckDB SQL following the
 * TPC-H data-generation rules in simplified form (no dbgen: the `tpch` extension is not available
 * offline).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { rint as rintH, rnd } from './prng.js';

const REGIONS = ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'];
const NATIONS: Array<[string, number]> = [
  ['ALGERIA', 0],
  ['ARGENTINA', 1],
  ['BRAZIL', 1],
  ['CANADA', 1],
  ['EGYPT', 4],
  ['ETHIOPIA', 0],
  ['FRANCE', 3],
  ['GERMANY', 3],
  ['INDIA', 2],
  ['INDONESIA', 2],
  ['IRAN', 4],
  ['IRAQ', 4],
  ['JAPAN', 2],
  ['JORDAN', 4],
  ['KENYA', 0],
  ['MOROCCO', 0],
  ['MOZAMBIQUE', 0],
  ['PERU', 1],
  ['CHINA', 2],
  ['ROMANIA', 3],
  ['SAUDI ARABIA', 4],
  ['VIETNAM', 2],
  ['RUSSIA', 3],
  ['UNITED KINGDOM', 3],
  ['UNITED STATES', 1],
];
const WORDS = [
  'furiously',
  'carefully',
  'quickly',
  'blithely',
  'slyly',
  'express',
  'regular',
  'final',
  'pending',
  'ironic',
  'special',
  'bold',
  'even',
  'silent',
  'unusual',
  'deposits',
  'requests',
  'accounts',
  'packages',
  'instructions',
  'theodolites',
  'pinto',
  'beans',
  'foxes',
  'ideas',
  'dependencies',
  'platelets',
  'asymptotes',
  'courts',
  'dolphins',
  'sleep',
  'wake',
  'are',
  'haggle',
  'nag',
  'use',
  'boost',
  'affix',
  'detect',
  'integrate',
  'cajole',
  'among',
  'across',
  'above',
  'according',
  'to',
  'the',
  'along',
  'after',
  'fluffily',
];
const COLORS = [
  'almond',
  'antique',
  'aquamarine',
  'azure',
  'beige',
  'bisque',
  'black',
  'blanched',
  'blue',
  'blush',
  'brown',
  'burlywood',
  'burnished',
  'chartreuse',
  'chiffon',
  'chocolate',
  'coral',
  'cornflower',
  'cornsilk',
  'cream',
  'cyan',
  'dark',
  'deep',
  'dim',
  'dodger',
  'drab',
  'firebrick',
  'floral',
  'forest',
  'frosted',
  'gainsboro',
  'ghost',
  'goldenrod',
  'green',
  'grey',
  'honeydew',
  'hot',
  'indian',
  'ivory',
  'khaki',
  'lace',
  'lavender',
  'lawn',
  'lemon',
  'light',
  'lime',
  'linen',
  'magenta',
  'maroon',
  'medium',
  'metallic',
  'midnight',
  'mint',
  'misty',
  'moccasin',
  'navajo',
  'navy',
  'olive',
  'orange',
  'orchid',
  'pale',
  'papaya',
  'peach',
  'peru',
  'pink',
  'plum',
  'powder',
  'puff',
  'purple',
  'red',
  'rose',
  'rosy',
  'royal',
  'saddle',
  'salmon',
  'sandy',
  'seashell',
  'sienna',
  'sky',
  'slate',
  'smoke',
  'snow',
  'spring',
  'steel',
  'tan',
  'thistle',
  'tomato',
  'turquoise',
  'violet',
  'wheat',
  'white',
  'yellow',
];
const SEGMENTS = ['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'];
const PRIORITIES = ['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'];
const INSTRUCT = ['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'];
const MODES = ['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'];
const TYPE1 = ['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'];
const TYPE2 = ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'];
const TYPE3 = ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'];
const CONT1 = ['SM', 'LG', 'MED', 'JUMBO', 'WRAP'];
const CONT2 = ['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'];

const lit = (xs: string[]) => `[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(', ')}]`;
/** SQL: pick from a list literal with stream k. */
const pick = (xs: string[], i: string, k: number) =>
  `${lit(xs)}[1 + CAST(floor(${rnd(i, k)} * ${xs.length}) AS BIGINT)]`;
/** SQL: a TPC-H-like comment of `n` words. */
const words = (i: string, k: number, n: number) =>
  `concat_ws(' ', ${Array.from({ length: n }, (_, j) => pick(WORDS, i, k * 16 + j)).join(', ')})`;
const rint = (h: string, k: number, lo: number, hi: number) => rintH(h, k, lo, hi);
const money = (i: string, k: number, lo: number, hi: number) =>
  `CAST(${rint(i, k, Math.round(lo * 100), Math.round(hi * 100))} / 100 AS DECIMAL(18,2))`;
const address = (h: string, k: number) =>
  `substr(md5('${k}:' || CAST(${h} AS VARCHAR)), 1, 10 + CAST(${h} % 15 AS INTEGER))`;
const phone = (nation: string, i: string, k: number) =>
  `concat(CAST(${nation} + 10 AS VARCHAR), '-', CAST(${rint(i, k, 100, 999)} AS VARCHAR), '-', CAST(${rint(i, k + 1, 100, 999)} AS VARCHAR), '-', CAST(${rint(i, k + 2, 1000, 9999)} AS VARCHAR))`;

interface Sizes {
  supplier: number;
  part: number;
  customer: number;
  orders: number;
}

export function tpchSizes(scale: number): Sizes {
  const sf = 0.01 * scale;
  return {
    supplier: Math.max(4, Math.round(10000 * sf)),
    part: Math.max(4, Math.round(200000 * sf)),
    customer: Math.max(3, Math.round(150000 * sf)),
    orders: Math.max(1, Math.round(1500000 * sf)),
  };
}

export async function loadTpch(conn: DuckDBConnection, cat: string, scale: number): Promise<void> {
  const z = tpchSizes(scale);
  const c = `"${cat}".tpch`;
  const run = (sql: string) => conn.run(sql);
  await run(`CREATE SCHEMA IF NOT EXISTS "${cat}".tpch`);
  // FOREIGN KEY references must be unqualified (same database): work inside the schema.
  await run(`USE "${cat}".tpch`);
  try {
    await generate(run, c, z);
  } finally {
    await run('USE memory.main');
  }
}

async function generate(
  run: (sql: string) => Promise<unknown>,
  c: string,
  z: Sizes,
): Promise<void> {
  await run(`CREATE OR REPLACE TABLE ${c}.region (
    r_regionkey BIGINT NOT NULL PRIMARY KEY, r_name STRING NOT NULL, r_comment STRING)`);
  await run(
    `INSERT INTO ${c}.region SELECT i, ${lit(REGIONS)}[i + 1], ${words('h', 1, 6)} FROM memory.main.lc_rows(5, 101)`,
  );

  await run(`CREATE OR REPLACE TABLE ${c}.nation (
    n_nationkey BIGINT NOT NULL PRIMARY KEY, n_name STRING NOT NULL,
    n_regionkey BIGINT NOT NULL REFERENCES region (r_regionkey), n_comment STRING)`);
  await run(`INSERT INTO ${c}.nation SELECT i, ${lit(NATIONS.map((n) => n[0]))}[i + 1],
    [${NATIONS.map((n) => n[1]).join(', ')}][i + 1], ${words('h', 2, 8)} FROM memory.main.lc_rows(25, 102)`);

  await run(`CREATE OR REPLACE TABLE ${c}.supplier (
    s_suppkey BIGINT NOT NULL PRIMARY KEY, s_name STRING NOT NULL, s_address STRING NOT NULL,
    s_nationkey BIGINT NOT NULL REFERENCES nation (n_nationkey), s_phone STRING NOT NULL,
    s_acctbal DECIMAL(18,2) NOT NULL, s_comment STRING)`);
  await run(`INSERT INTO ${c}.supplier SELECT k, 'Supplier#' || lpad(CAST(k AS VARCHAR), 9, '0'), ${address('h', 3)},
      nk, ${phone('nk', 'h', 4)}, ${money('h', 7, -999.99, 9999.99)}, ${words('h', 8, 7)}
    FROM (SELECT i + 1 AS k, h, ${rint('h', 9, 0, 24)} AS nk FROM memory.main.lc_rows(${z.supplier}, 103))`);

  await run(`CREATE OR REPLACE TABLE ${c}.part (
    p_partkey BIGINT NOT NULL PRIMARY KEY, p_name STRING NOT NULL, p_mfgr STRING NOT NULL, p_brand STRING NOT NULL,
    p_type STRING NOT NULL, p_size INT NOT NULL, p_container STRING NOT NULL, p_retailprice DECIMAL(18,2) NOT NULL,
    p_comment STRING)`);
  await run(`INSERT INTO ${c}.part SELECT k,
      concat_ws(' ', ${pick(COLORS, 'h', 10)}, ${pick(COLORS, 'h', 11)}, ${pick(COLORS, 'h', 12)}, ${pick(COLORS, 'h', 13)}, ${pick(COLORS, 'h', 14)}),
      'Manufacturer#' || CAST(m AS VARCHAR), 'Brand#' || CAST(m AS VARCHAR) || CAST(${rint('h', 15, 1, 5)} AS VARCHAR),
      concat_ws(' ', ${pick(TYPE1, 'h', 16)}, ${pick(TYPE2, 'h', 17)}, ${pick(TYPE3, 'h', 18)}),
      CAST(${rint('h', 19, 1, 50)} AS INTEGER), ${pick(CONT1, 'h', 20)} || ' ' || ${pick(CONT2, 'h', 21)},
      CAST((90000 + ((k // 10) % 20001) + 100 * (k % 1000)) / 100 AS DECIMAL(18,2)), ${words('h', 22, 4)}
    FROM (SELECT i + 1 AS k, h, ${rint('h', 23, 1, 5)} AS m FROM memory.main.lc_rows(${z.part}, 104))`);

  // Like the TPC-H rule, part p is supplied by 4 distinct suppliers (p + j * floor(S/4)) mod S + 1, j = 0..3
  const S = z.supplier;
  const suppOf = (p: string, j: string) =>
    `((${p} + ${j} * ${Math.max(1, Math.floor(S / 4))}) % ${S} + 1)`;
  await run(`CREATE OR REPLACE TABLE ${c}.partsupp (
    ps_partkey BIGINT NOT NULL REFERENCES part (p_partkey),
    ps_suppkey BIGINT NOT NULL REFERENCES supplier (s_suppkey),
    ps_availqty INT NOT NULL, ps_supplycost DECIMAL(18,2) NOT NULL, ps_comment STRING,
    PRIMARY KEY (ps_partkey, ps_suppkey))`);
  await run(`INSERT INTO ${c}.partsupp SELECT p, ${suppOf('p', 'j')},
      CAST(${rint('h', 24, 1, 9999)} AS INTEGER), ${money('h', 25, 1, 1000)}, ${words('h', 26, 9)}
    FROM (SELECT i // 4 + 1 AS p, i % 4 AS j, h FROM memory.main.lc_rows(${z.part * 4}, 105)) ORDER BY p, j`);

  await run(`CREATE OR REPLACE TABLE ${c}.customer (
    c_custkey BIGINT NOT NULL PRIMARY KEY, c_name STRING NOT NULL, c_address STRING NOT NULL,
    c_nationkey BIGINT NOT NULL REFERENCES nation (n_nationkey), c_phone STRING NOT NULL,
    c_acctbal DECIMAL(18,2) NOT NULL, c_mktsegment STRING NOT NULL, c_comment STRING)`);
  await run(`INSERT INTO ${c}.customer SELECT k, 'Customer#' || lpad(CAST(k AS VARCHAR), 9, '0'), ${address('h', 27)},
      nk, ${phone('nk', 'h', 28)}, ${money('h', 31, -999.99, 9999.99)}, ${pick(SEGMENTS, 'h', 32)}, ${words('h', 33, 8)}
    FROM (SELECT i + 1 AS k, h, ${rint('h', 34, 0, 24)} AS nk FROM memory.main.lc_rows(${z.customer}, 106))`);

  // Orders: sparse keys like dbgen (8 of every 32), customers with custkey % 3 = 0 place none.
  const custThirds = Math.floor((z.customer - 1) / 3) * 3; // number of eligible picks spread
  await run(`CREATE OR REPLACE TEMP TABLE lc_orders_base AS
    SELECT (i // 8) * 32 + (i % 8) + 1 AS o_orderkey,
      CAST(${rint('h', 35, 0, Math.max(0, Math.floor(custThirds / 3) * 2 - 1))} AS BIGINT) AS pick,
      DATE '1992-01-01' + CAST(${rint('h', 36, 0, 2405 - 151)} AS INTEGER) AS o_orderdate,
      ${rint('h', 37, 1, 7)} AS nlines, i, h
    FROM memory.main.lc_rows(${z.orders}, 107)`);
  await run(`CREATE OR REPLACE TEMP TABLE lc_lineitem_base AS
    SELECT b.o_orderkey AS l_orderkey, CAST(r.i % 8 + 1 AS INTEGER) AS l_linenumber, b.o_orderdate,
      ${rint('r.h', 40, 1, z.part)} AS l_partkey,
      ${rint('r.h', 41, 0, 3)} AS sj,
      ${rint('r.h', 42, 1, 50)} AS qty,
      ${rint('r.h', 43, 0, 10)} AS disc,
      ${rint('r.h', 44, 0, 8)} AS tax,
      b.o_orderdate + CAST(${rint('r.h', 45, 1, 121)} AS INTEGER) AS l_shipdate,
      b.o_orderdate + CAST(${rint('r.h', 46, 30, 90)} AS INTEGER) AS l_commitdate,
      b.o_orderdate + CAST(${rint('r.h', 45, 1, 121)} AS INTEGER) + CAST(${rint('r.h', 47, 1, 30)} AS INTEGER) AS l_receiptdate,
      r.h AS h
    FROM memory.main.lc_rows(${z.orders * 8}, 108) r JOIN lc_orders_base b ON b.i = r.i // 8
    WHERE r.i % 8 < b.nlines`);

  await run(`CREATE OR REPLACE TABLE ${c}.orders (
    o_orderkey BIGINT NOT NULL PRIMARY KEY, o_custkey BIGINT NOT NULL REFERENCES customer (c_custkey),
    o_orderstatus STRING NOT NULL, o_totalprice DECIMAL(18,2) NOT NULL, o_orderdate DATE NOT NULL,
    o_orderpriority STRING NOT NULL, o_clerk STRING NOT NULL, o_shippriority INT NOT NULL, o_comment STRING)`);
  await run(`CREATE OR REPLACE TABLE ${c}.lineitem (
    l_orderkey BIGINT NOT NULL, l_partkey BIGINT NOT NULL, l_suppkey BIGINT NOT NULL,
    l_linenumber INT NOT NULL, l_quantity DECIMAL(18,2) NOT NULL, l_extendedprice DECIMAL(18,2) NOT NULL,
    l_discount DECIMAL(18,2) NOT NULL, l_tax DECIMAL(18,2) NOT NULL, l_returnflag STRING NOT NULL,
    l_linestatus STRING NOT NULL, l_shipdate DATE NOT NULL, l_commitdate DATE NOT NULL, l_receiptdate DATE NOT NULL,
    l_shipinstruct STRING NOT NULL, l_shipmode STRING NOT NULL, l_comment STRING,
    PRIMARY KEY (l_orderkey, l_linenumber))`);
  await run(`CREATE OR REPLACE TEMP TABLE lc_lineitem_full AS
    SELECT l.l_orderkey, l.l_partkey, ${suppOf('l.l_partkey', 'l.sj')} AS l_suppkey, l.l_linenumber,
      CAST(l.qty AS DECIMAL(18,2)) AS l_quantity,
      CAST(l.qty * p.p_retailprice AS DECIMAL(18,2)) AS l_extendedprice,
      CAST(l.disc / 100 AS DECIMAL(18,2)) AS l_discount, CAST(l.tax / 100 AS DECIMAL(18,2)) AS l_tax,
      CASE WHEN l.l_receiptdate <= DATE '1995-06-17'
           THEN ${pick(['R', 'A'], 'l.h', 48)} ELSE 'N' END AS l_returnflag,
      CASE WHEN l.l_shipdate > DATE '1995-06-17' THEN 'O' ELSE 'F' END AS l_linestatus,
      l.l_shipdate, l.l_commitdate, l.l_receiptdate,
      ${pick(INSTRUCT, 'l.h', 49)} AS l_shipinstruct, ${pick(MODES, 'l.h', 50)} AS l_shipmode,
      ${words('l.h', 51, 4)} AS l_comment
    FROM lc_lineitem_base l JOIN ${c}.part p ON p.p_partkey = l.l_partkey`);
  await run(`INSERT INTO ${c}.orders
    SELECT b.o_orderkey,
      -- map the pick onto customers whose key is not a multiple of 3
      (b.pick // 2) * 3 + (b.pick % 2) + 1,
      CASE WHEN agg.n_f = agg.n THEN 'F' WHEN agg.n_f = 0 THEN 'O' ELSE 'P' END,
      agg.total, b.o_orderdate, ${pick(PRIORITIES, 'b.h', 52)},
      'Clerk#' || lpad(CAST(${rint('b.h', 53, 1, Math.max(1, Math.round(z.orders / 1500)))} AS VARCHAR), 9, '0'),
      0, ${words('b.h', 54, 6)}
    FROM lc_orders_base b JOIN (
      SELECT l_orderkey, count(*) AS n, count(*) FILTER (WHERE l_linestatus = 'F') AS n_f,
        CAST(sum(l_extendedprice * (1 + l_tax) * (1 - l_discount)) AS DECIMAL(18,2)) AS total
      FROM lc_lineitem_full GROUP BY l_orderkey) agg ON agg.l_orderkey = b.o_orderkey
    ORDER BY b.o_orderkey`);
  await run(
    `INSERT INTO ${c}.lineitem SELECT * FROM lc_lineitem_full ORDER BY l_orderkey, l_linenumber`,
  );
  await run('DROP TABLE lc_orders_base');
  await run('DROP TABLE lc_lineitem_base');
  await run('DROP TABLE lc_lineitem_full');

  const tableComments: Record<string, string> = {
    region: 'TPC-H regions: the five world regions',
    nation: 'TPC-H nations: 25 nations, each in one region',
    supplier: 'TPC-H suppliers',
    part: 'TPC-H parts',
    partsupp: 'TPC-H part suppliers: the suppliers of each part, with available quantity and cost',
    customer: 'TPC-H customers',
    orders: 'TPC-H orders',
    lineitem: 'TPC-H line items: the parts of each order',
  };
  const colComments: Record<string, string> = {
    r_regionkey: 'Region key (primary key)',
    r_name: 'Region name',
    r_comment: 'Comment',
    n_nationkey: 'Nation key (primary key)',
    n_name: 'Nation name',
    n_regionkey: 'Region of the nation (region.r_regionkey)',
    n_comment: 'Comment',
    s_suppkey: 'Supplier key (primary key)',
    s_name: 'Supplier name',
    s_address: 'Supplier address',
    s_nationkey: 'Nation of the supplier (nation.n_nationkey)',
    s_phone: 'Phone number',
    s_acctbal: 'Account balance',
    s_comment: 'Comment',
    p_partkey: 'Part key (primary key)',
    p_name: 'Part name',
    p_mfgr: 'Manufacturer',
    p_brand: 'Brand',
    p_type: 'Part type',
    p_size: 'Size',
    p_container: 'Container',
    p_retailprice: 'Retail price',
    p_comment: 'Comment',
    ps_partkey: 'Part (part.p_partkey)',
    ps_suppkey: 'Supplier (supplier.s_suppkey)',
    ps_availqty: 'Available quantity',
    ps_supplycost: 'Supply cost',
    ps_comment: 'Comment',
    c_custkey: 'Customer key (primary key)',
    c_name: 'Customer name',
    c_address: 'Customer address',
    c_nationkey: 'Nation of the customer (nation.n_nationkey)',
    c_phone: 'Phone number',
    c_acctbal: 'Account balance',
    c_mktsegment: 'Market segment',
    c_comment: 'Comment',
    o_orderkey: 'Order key (primary key)',
    o_custkey: 'Customer who placed the order (customer.c_custkey)',
    o_orderstatus: 'Order status: F (fulfilled), O (open), P (partially fulfilled)',
    o_totalprice: 'Total price',
    o_orderdate: 'Order date',
    o_orderpriority: 'Order priority',
    o_clerk: 'Clerk',
    o_shippriority: 'Shipping priority',
    o_comment: 'Comment',
    l_orderkey: 'Order (orders.o_orderkey)',
    l_partkey: 'Part (part.p_partkey)',
    l_suppkey: 'Supplier (supplier.s_suppkey)',
    l_linenumber: 'Line number within the order',
    l_quantity: 'Quantity',
    l_extendedprice: 'Extended price (quantity * retail price)',
    l_discount: 'Discount (0.00-0.10)',
    l_tax: 'Tax (0.00-0.08)',
    l_returnflag: 'Return flag: R, A or N',
    l_linestatus: 'Line status: O (open) or F (fulfilled)',
    l_shipdate: 'Ship date',
    l_commitdate: 'Commit date',
    l_receiptdate: 'Receipt date',
    l_shipinstruct: 'Shipping instructions',
    l_shipmode: 'Ship mode',
    l_comment: 'Comment',
  };
  const stmts: string[] = [];
  for (const [t, cm] of Object.entries(tableComments))
    stmts.push(`COMMENT ON TABLE ${c}.${t} IS '${cm}';`);
  for (const [col, cm] of Object.entries(colComments)) {
    const t = Object.keys(tableComments).find(
      (x) =>
        col.startsWith(x === 'partsupp' ? 'ps_' : `${x[0]}_`) &&
        (x !== 'part' || !col.startsWith('ps_')),
    );
    stmts.push(`COMMENT ON COLUMN ${c}.${t}.${col} IS '${cm.replace(/'/g, "''")}';`);
  }
  await run(stmts.join('\n'));
}
