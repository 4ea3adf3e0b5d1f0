/**
 * The development half of the evaluation, for tuning: questions over samples.nyctaxi and
 * samples.tpch, from trivial counts to joins of three tables, each with a reference SQL whose
 * result is the expected answer (computed from the data at evaluation time), and a few that the
 * data cannot answer. Table names are unqualified: each question runs in a session on its own
 * schema. The held-out half is `questions_holdout.ts` (never tuned on).
 */
/** The shape of a question, for accuracy per level. */
export type EvalLevel =
  | 'count'
  | 'aggregate'
  | 'filter'
  | 'date'
  | 'group'
  | 'argmax'
  | 'having'
  | 'join'
  | 'join3'
  | 'unanswerable';

export interface EvalQuestion {
  id: string;
  schema: 'nyctaxi' | 'tpch';
  question: string;
  /**
   * The SQL whose result is the expected answer. Absent for `unanswerable` questions: the
   * expected outcome is that the chain says it cannot answer from this data.
   */
  reference?: string;
  /** Compare row order (default: when the reference sorts its result). */
  ordered?: boolean;
  level: EvalLevel;
}

export const QUESTIONS: EvalQuestion[] = [
  // samples.nyctaxi: one table
  {
    id: 'taxi-01',
    schema: 'nyctaxi',
    level: 'count',
    question: 'How many trips are there?',
    reference: 'SELECT count(*) FROM trips',
  },
  {
    id: 'taxi-02',
    schema: 'nyctaxi',
    level: 'aggregate',
    question: 'What is the average fare amount of a trip?',
    reference: 'SELECT avg(fare_amount) FROM trips',
  },
  {
    id: 'taxi-03',
    schema: 'nyctaxi',
    level: 'aggregate',
    question: 'What is the longest trip distance?',
    reference: 'SELECT max(trip_distance) FROM trips',
  },
  {
    id: 'taxi-04',
    schema: 'nyctaxi',
    level: 'aggregate',
    question: 'What is the total fare amount of all trips?',
    reference: 'SELECT sum(fare_amount) FROM trips',
  },
  {
    id: 'taxi-05',
    schema: 'nyctaxi',
    level: 'filter',
    question: 'How many trips were longer than 10 miles?',
    reference: 'SELECT count(*) FROM trips WHERE trip_distance > 10',
  },
  {
    id: 'taxi-06',
    schema: 'nyctaxi',
    level: 'filter',
    question: 'How many distinct pickup ZIP codes are there?',
    reference: 'SELECT count(DISTINCT pickup_zip) FROM trips',
  },
  {
    id: 'taxi-07',
    schema: 'nyctaxi',
    level: 'filter',
    question: 'What is the average trip distance of trips picked up in ZIP code 10001?',
    reference: 'SELECT avg(trip_distance) FROM trips WHERE pickup_zip = 10001',
  },
  {
    id: 'taxi-08',
    schema: 'nyctaxi',
    level: 'date',
    question: 'How many trips started in February 2016?',
    reference:
      "SELECT count(*) FROM trips WHERE tpep_pickup_datetime >= TIMESTAMP '2016-02-01 00:00:00' AND tpep_pickup_datetime < TIMESTAMP '2016-03-01 00:00:00'",
  },
  {
    id: 'taxi-09',
    schema: 'nyctaxi',
    level: 'date',
    question: 'How many trips started on January 15, 2016?',
    reference: "SELECT count(*) FROM trips WHERE to_date(tpep_pickup_datetime) = DATE '2016-01-15'",
  },
  {
    id: 'taxi-10',
    schema: 'nyctaxi',
    level: 'group',
    question: 'Which 5 pickup ZIP codes have the most trips, and how many trips each?',
    reference:
      'SELECT pickup_zip, count(*) AS trips FROM trips GROUP BY pickup_zip ORDER BY trips DESC LIMIT 5',
  },
  {
    id: 'taxi-11',
    schema: 'nyctaxi',
    level: 'group',
    question: 'How many trips were there in each month?',
    reference:
      'SELECT month(tpep_pickup_datetime) AS month, count(*) FROM trips GROUP BY month(tpep_pickup_datetime)',
  },
  {
    id: 'taxi-12',
    schema: 'nyctaxi',
    level: 'argmax',
    question: 'What was the drop-off ZIP code of the longest trip?',
    reference: 'SELECT dropoff_zip FROM trips ORDER BY trip_distance DESC LIMIT 1',
  },
  {
    id: 'taxi-13',
    schema: 'nyctaxi',
    level: 'having',
    question: 'Which drop-off ZIP codes received more than 360 trips?',
    reference: 'SELECT dropoff_zip FROM trips GROUP BY dropoff_zip HAVING count(*) > 360',
  },
  {
    id: 'taxi-14',
    schema: 'nyctaxi',
    level: 'date',
    question: 'How many trips were picked up between January 10 and January 12, 2016?',
    reference:
      "SELECT count(*) FROM trips WHERE to_date(tpep_pickup_datetime) BETWEEN DATE '2016-01-10' AND DATE '2016-01-12'",
  },
  {
    id: 'taxi-15',
    schema: 'nyctaxi',
    level: 'unanswerable',
    question: 'Which payment type was used most often?',
  },
  // samples.tpch: eight tables
  {
    id: 'tpch-01',
    schema: 'tpch',
    level: 'count',
    question: 'How many customers are there?',
    reference: 'SELECT count(*) FROM customer',
  },
  {
    id: 'tpch-02',
    schema: 'tpch',
    level: 'count',
    question: 'How many orders are there?',
    reference: 'SELECT count(*) FROM orders',
  },
  {
    id: 'tpch-03',
    schema: 'tpch',
    level: 'count',
    question: 'List the names of all regions.',
    reference: 'SELECT r_name FROM region',
  },
  {
    id: 'tpch-04',
    schema: 'tpch',
    level: 'aggregate',
    question: 'What is the average account balance of customers?',
    reference: 'SELECT avg(c_acctbal) FROM customer',
  },
  {
    id: 'tpch-05',
    schema: 'tpch',
    level: 'filter',
    question: "How many customers are in the 'BUILDING' market segment?",
    reference: "SELECT count(*) FROM customer WHERE c_mktsegment = 'BUILDING'",
  },
  {
    id: 'tpch-06',
    schema: 'tpch',
    level: 'filter',
    question: "How many orders have order status 'F'?",
    reference: "SELECT count(*) FROM orders WHERE o_orderstatus = 'F'",
  },
  {
    id: 'tpch-07',
    schema: 'tpch',
    level: 'filter',
    question: "How many line items were shipped by 'MAIL'?",
    reference: "SELECT count(*) FROM lineitem WHERE l_shipmode = 'MAIL'",
  },
  {
    id: 'tpch-08',
    schema: 'tpch',
    level: 'filter',
    question: 'How many parts have size 10?',
    reference: 'SELECT count(*) FROM part WHERE p_size = 10',
  },
  {
    id: 'tpch-09',
    schema: 'tpch',
    level: 'filter',
    question: "How many line items have return flag 'R'?",
    reference: "SELECT count(*) FROM lineitem WHERE l_returnflag = 'R'",
  },
  {
    id: 'tpch-10',
    schema: 'tpch',
    level: 'date',
    question: 'How many orders were placed in 1995?',
    reference: 'SELECT count(*) FROM orders WHERE year(o_orderdate) = 1995',
  },
  {
    id: 'tpch-11',
    schema: 'tpch',
    level: 'date',
    question: 'What is the total price of all orders placed in 1996?',
    reference: 'SELECT sum(o_totalprice) FROM orders WHERE year(o_orderdate) = 1996',
  },
  {
    id: 'tpch-12',
    schema: 'tpch',
    level: 'date',
    question: 'How many orders were placed in March 1995?',
    reference:
      "SELECT count(*) FROM orders WHERE o_orderdate BETWEEN DATE '1995-03-01' AND DATE '1995-03-31'",
  },
  {
    id: 'tpch-13',
    schema: 'tpch',
    level: 'date',
    question: 'What is the total quantity of line items shipped in 1997?',
    reference:
      "SELECT sum(l_quantity) FROM lineitem WHERE l_shipdate >= DATE '1997-01-01' AND l_shipdate < DATE '1998-01-01'",
  },
  {
    id: 'tpch-14',
    schema: 'tpch',
    level: 'group',
    question: 'How many orders are there for each order priority?',
    reference: 'SELECT o_orderpriority, count(*) FROM orders GROUP BY o_orderpriority',
  },
  {
    id: 'tpch-15',
    schema: 'tpch',
    level: 'argmax',
    question: 'What is the name of the part with the highest retail price?',
    reference: 'SELECT p_name FROM part ORDER BY p_retailprice DESC, p_partkey LIMIT 1',
  },
  {
    id: 'tpch-16',
    schema: 'tpch',
    level: 'join',
    question: "How many nations are in the region 'EUROPE'?",
    reference:
      "SELECT count(*) FROM nation JOIN region ON n_regionkey = r_regionkey WHERE r_name = 'EUROPE'",
  },
  {
    id: 'tpch-17',
    schema: 'tpch',
    level: 'join',
    question: "How many suppliers are in the nation 'GERMANY'?",
    reference:
      "SELECT count(*) FROM supplier JOIN nation ON s_nationkey = n_nationkey WHERE n_name = 'GERMANY'",
  },
  {
    id: 'tpch-18',
    schema: 'tpch',
    level: 'join',
    question: 'Which nation has the most customers?',
    reference:
      'SELECT n_name FROM customer JOIN nation ON c_nationkey = n_nationkey GROUP BY n_name ORDER BY count(*) DESC LIMIT 1',
  },
  {
    id: 'tpch-19',
    schema: 'tpch',
    level: 'join',
    question: "How many orders did the customer named 'Customer#000000001' place?",
    reference:
      "SELECT count(*) FROM orders JOIN customer ON o_custkey = c_custkey WHERE c_name = 'Customer#000000001'",
  },
  {
    id: 'tpch-20',
    schema: 'tpch',
    level: 'join',
    question:
      'What is the total price of the orders of customers in the AUTOMOBILE market segment placed in 1998?',
    reference:
      "SELECT sum(o_totalprice) FROM orders JOIN customer ON o_custkey = c_custkey WHERE c_mktsegment = 'AUTOMOBILE' AND year(o_orderdate) = 1998",
  },
  {
    id: 'tpch-21',
    schema: 'tpch',
    level: 'aggregate',
    question: 'What is the total account balance of customers in the AUTOMOBILE market segment?',
    reference: "SELECT sum(c_acctbal) FROM customer WHERE c_mktsegment = 'AUTOMOBILE'",
  },
  {
    id: 'tpch-22',
    schema: 'tpch',
    level: 'having',
    question: 'Which order priorities have more than 3000 orders?',
    reference: 'SELECT o_orderpriority FROM orders GROUP BY o_orderpriority HAVING count(*) > 3000',
  },
  {
    id: 'tpch-23',
    schema: 'tpch',
    level: 'join3',
    question: 'How many customers are in the AMERICA region?',
    reference:
      "SELECT count(*) FROM customer JOIN nation ON c_nationkey = n_nationkey JOIN region ON n_regionkey = r_regionkey WHERE r_name = 'AMERICA'",
  },
  {
    id: 'tpch-24',
    schema: 'tpch',
    level: 'join3',
    question: "What is the total price of the orders of customers from the nation 'FRANCE'?",
    reference:
      "SELECT sum(o_totalprice) FROM orders JOIN customer ON o_custkey = c_custkey JOIN nation ON c_nationkey = n_nationkey WHERE n_name = 'FRANCE'",
  },
  {
    id: 'tpch-25',
    schema: 'tpch',
    level: 'argmax',
    question: 'Which supplier has the highest account balance?',
    reference: 'SELECT s_name FROM supplier ORDER BY s_acctbal DESC LIMIT 1',
  },
  {
    id: 'tpch-26',
    schema: 'tpch',
    level: 'unanswerable',
    question: "What is the credit score of the customer named 'Customer#000000001'?",
  },
  {
    id: 'tpch-27',
    schema: 'tpch',
    level: 'unanswerable',
    question: 'Which warehouse ships the most parts?',
  },
];
