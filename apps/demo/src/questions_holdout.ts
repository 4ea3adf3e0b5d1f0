/**
 * The held-out half of the evaluation. Written before any tuning of the chain, the prompts or the
 * model settings against real models, and committed on its own before them: nothing in the chain
 * is tuned on these questions (the development half, `questions.ts`, is for that). Questions are
 * worded as a new user would ask them; each expected answer is the result of its reference SQL on
 * the data, computed at evaluation time, never a number written here. The unanswerable ones ask
 * for something the schema does not have; the expected outcome is "cannot answer from this data".
 */
import type { EvalQuestion } from './questions.js';

export const HOLDOUT_QUESTIONS: EvalQuestion[] = [
  // samples.nyctaxi: one table, trips of January and February 2016
  {
    id: 'h-taxi-01',
    schema: 'nyctaxi',
    level: 'count',
    question: 'How many taxi trips are in the data?',
    reference: 'SELECT count(*) FROM trips',
  },
  {
    id: 'h-taxi-02',
    schema: 'nyctaxi',
    level: 'aggregate',
    question: 'What is the average trip distance?',
    reference: 'SELECT avg(trip_distance) FROM trips',
  },
  {
    id: 'h-taxi-03',
    schema: 'nyctaxi',
    level: 'aggregate',
    question: 'What is the highest fare amount?',
    reference: 'SELECT max(fare_amount) FROM trips',
  },
  {
    id: 'h-taxi-04',
    schema: 'nyctaxi',
    level: 'filter',
    question: 'How many trips had a fare amount above 50 dollars?',
    reference: 'SELECT count(*) FROM trips WHERE fare_amount > 50',
  },
  {
    id: 'h-taxi-05',
    schema: 'nyctaxi',
    level: 'filter',
    question: 'How many trips were shorter than 1 mile?',
    reference: 'SELECT count(*) FROM trips WHERE trip_distance < 1',
  },
  {
    id: 'h-taxi-06',
    schema: 'nyctaxi',
    level: 'filter',
    question: 'How many trips ended in ZIP code 10019?',
    reference: 'SELECT count(*) FROM trips WHERE dropoff_zip = 10019',
  },
  {
    id: 'h-taxi-07',
    schema: 'nyctaxi',
    level: 'filter',
    question: 'What is the average fare of trips that started and ended in the same ZIP code?',
    reference: 'SELECT avg(fare_amount) FROM trips WHERE pickup_zip = dropoff_zip',
  },
  {
    id: 'h-taxi-08',
    schema: 'nyctaxi',
    level: 'date',
    question: 'What was the total fare amount of trips that started in January 2016?',
    reference:
      "SELECT sum(fare_amount) FROM trips WHERE tpep_pickup_datetime >= TIMESTAMP '2016-01-01 00:00:00' AND tpep_pickup_datetime < TIMESTAMP '2016-02-01 00:00:00'",
  },
  {
    id: 'h-taxi-09',
    schema: 'nyctaxi',
    level: 'date',
    question:
      'How many trips started between February 10 and February 20, 2016, both days included?',
    reference:
      "SELECT count(*) FROM trips WHERE to_date(tpep_pickup_datetime) BETWEEN DATE '2016-02-10' AND DATE '2016-02-20'",
  },
  {
    id: 'h-taxi-10',
    schema: 'nyctaxi',
    level: 'group',
    question: 'Which 3 drop-off ZIP codes received the most trips, and how many each?',
    reference:
      'SELECT dropoff_zip, count(*) AS trips FROM trips GROUP BY dropoff_zip ORDER BY trips DESC LIMIT 3',
  },
  {
    id: 'h-taxi-11',
    schema: 'nyctaxi',
    level: 'argmax',
    question: 'On which day were the most trips picked up?',
    reference:
      'SELECT to_date(tpep_pickup_datetime) AS day FROM trips GROUP BY to_date(tpep_pickup_datetime) ORDER BY count(*) DESC LIMIT 1',
  },
  {
    id: 'h-taxi-12',
    schema: 'nyctaxi',
    level: 'argmax',
    question: 'What was the pickup ZIP code of the trip with the highest fare amount?',
    reference: 'SELECT pickup_zip FROM trips ORDER BY fare_amount DESC LIMIT 1',
  },
  {
    id: 'h-taxi-13',
    schema: 'nyctaxi',
    level: 'having',
    question: 'Which pickup ZIP codes had more than 350 trips?',
    reference: 'SELECT pickup_zip FROM trips GROUP BY pickup_zip HAVING count(*) > 350',
  },
  {
    id: 'h-taxi-14',
    schema: 'nyctaxi',
    level: 'unanswerable',
    question: 'What was the average tip amount?',
  },
  {
    id: 'h-taxi-15',
    schema: 'nyctaxi',
    level: 'unanswerable',
    question: 'Which taxi driver completed the most trips?',
  },
  // samples.tpch: eight tables
  {
    id: 'h-tpch-01',
    schema: 'tpch',
    level: 'count',
    question: 'How many suppliers are there?',
    reference: 'SELECT count(*) FROM supplier',
  },
  {
    id: 'h-tpch-02',
    schema: 'tpch',
    level: 'count',
    question: 'How many different part brands are there?',
    reference: 'SELECT count(DISTINCT p_brand) FROM part',
  },
  {
    id: 'h-tpch-03',
    schema: 'tpch',
    level: 'filter',
    question: "How many orders have the priority '1-URGENT'?",
    reference: "SELECT count(*) FROM orders WHERE o_orderpriority = '1-URGENT'",
  },
  {
    id: 'h-tpch-04',
    schema: 'tpch',
    level: 'filter',
    question: 'How many customers have a negative account balance?',
    reference: 'SELECT count(*) FROM customer WHERE c_acctbal < 0',
  },
  {
    id: 'h-tpch-05',
    schema: 'tpch',
    level: 'date',
    question: 'How many line items were shipped in 1994?',
    reference: 'SELECT count(*) FROM lineitem WHERE year(l_shipdate) = 1994',
  },
  {
    id: 'h-tpch-06',
    schema: 'tpch',
    level: 'date',
    question: 'What is the total price of the orders placed in December 1996?',
    reference:
      "SELECT sum(o_totalprice) FROM orders WHERE o_orderdate >= DATE '1996-12-01' AND o_orderdate < DATE '1997-01-01'",
  },
  {
    id: 'h-tpch-07',
    schema: 'tpch',
    level: 'date',
    question: 'How many orders were placed between June 1, 1993 and August 31, 1993?',
    reference:
      "SELECT count(*) FROM orders WHERE o_orderdate BETWEEN DATE '1993-06-01' AND DATE '1993-08-31'",
  },
  {
    id: 'h-tpch-08',
    schema: 'tpch',
    level: 'group',
    question: 'Which 3 ship modes have the highest total quantity of line items, with the totals?',
    reference:
      'SELECT l_shipmode, sum(l_quantity) AS total FROM lineitem GROUP BY l_shipmode ORDER BY total DESC LIMIT 3',
  },
  {
    id: 'h-tpch-09',
    schema: 'tpch',
    level: 'argmax',
    question: 'What is the name of the customer with the highest account balance?',
    reference: 'SELECT c_name FROM customer ORDER BY c_acctbal DESC LIMIT 1',
  },
  {
    id: 'h-tpch-10',
    schema: 'tpch',
    level: 'having',
    question: 'Which market segments have more than 295 customers?',
    reference: 'SELECT c_mktsegment FROM customer GROUP BY c_mktsegment HAVING count(*) > 295',
  },
  {
    id: 'h-tpch-11',
    schema: 'tpch',
    level: 'join',
    question: 'How many customers are based in Japan?',
    reference:
      "SELECT count(*) FROM customer JOIN nation ON c_nationkey = n_nationkey WHERE n_name = 'JAPAN'",
  },
  {
    id: 'h-tpch-12',
    schema: 'tpch',
    level: 'join',
    question: "What is the average quantity of line items in orders with priority '1-URGENT'?",
    reference:
      "SELECT avg(l_quantity) FROM lineitem JOIN orders ON l_orderkey = o_orderkey WHERE o_orderpriority = '1-URGENT'",
  },
  {
    id: 'h-tpch-13',
    schema: 'tpch',
    level: 'join',
    question: 'How many line items for parts of size 50 were shipped by AIR?',
    reference:
      "SELECT count(*) FROM lineitem JOIN part ON l_partkey = p_partkey WHERE p_size = 50 AND l_shipmode = 'AIR'",
  },
  {
    id: 'h-tpch-14',
    schema: 'tpch',
    level: 'join',
    question: 'Which 5 customers placed the most orders, and how many orders each?',
    reference:
      'SELECT c_name, count(*) AS orders FROM orders JOIN customer ON o_custkey = c_custkey GROUP BY c_name ORDER BY orders DESC LIMIT 5',
    // Three of the five have 27 orders: any order among them is right.
    ordered: false,
  },
  {
    id: 'h-tpch-15',
    schema: 'tpch',
    level: 'having',
    question: 'Which nations have at least 68 customers?',
    reference:
      'SELECT n_name FROM customer JOIN nation ON c_nationkey = n_nationkey GROUP BY n_name HAVING count(*) >= 68',
  },
  {
    id: 'h-tpch-16',
    schema: 'tpch',
    level: 'join3',
    question: 'How many suppliers are there in each region?',
    reference:
      'SELECT r_name, count(*) FROM supplier JOIN nation ON s_nationkey = n_nationkey JOIN region ON n_regionkey = r_regionkey GROUP BY r_name',
  },
  {
    id: 'h-tpch-17',
    schema: 'tpch',
    level: 'join3',
    question: 'What is the total account balance of customers in the ASIA region?',
    reference:
      "SELECT sum(c_acctbal) FROM customer JOIN nation ON c_nationkey = n_nationkey JOIN region ON n_regionkey = r_regionkey WHERE r_name = 'ASIA'",
  },
  {
    id: 'h-tpch-18',
    schema: 'tpch',
    level: 'join3',
    question: 'How many orders were placed by customers from GERMANY?',
    reference:
      "SELECT count(*) FROM orders JOIN customer ON o_custkey = c_custkey JOIN nation ON c_nationkey = n_nationkey WHERE n_name = 'GERMANY'",
  },
  {
    id: 'h-tpch-19',
    schema: 'tpch',
    level: 'unanswerable',
    question: "What is the email address of the customer named 'Customer#000000001'?",
  },
  {
    id: 'h-tpch-20',
    schema: 'tpch',
    level: 'unanswerable',
    question: 'How many employees does each supplier have?',
  },
];
