-- A database as schema version 1 left it: the tables as `sqlite3 shop.db .schema` shows them in
-- a file the program of that version made, and a few rows of a shop that took orders. Kept as
-- it was: the store must open and migrate such a file.
CREATE TABLE shops (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  open INTEGER NOT NULL DEFAULT 1,
  pickup INTEGER NOT NULL DEFAULT 0,
  info TEXT NOT NULL DEFAULT '',
  managers TEXT NOT NULL DEFAULT '',
  pin TEXT NOT NULL DEFAULT ''
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  stock INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
  unit TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  position INTEGER NOT NULL DEFAULT 0,
  UNIQUE (shop_id, code)
);
CREATE TABLE customers (
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  phone TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (shop_id, phone)
) WITHOUT ROWID;
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  phone TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'new',
  total INTEGER NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  pickup INTEGER NOT NULL DEFAULT 0,
  channel TEXT NOT NULL,
  source_key TEXT UNIQUE,
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX orders_shop_status ON orders (shop_id, status);
CREATE INDEX orders_phone ON orders (phone);
CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  price INTEGER NOT NULL,
  UNIQUE (order_id, product_id)
);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  to_phone TEXT NOT NULL,
  body TEXT NOT NULL,
  segments INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  provider_id TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  order_id INTEGER REFERENCES orders(id),
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  delivered_at INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE TABLE outbox_refs (
  provider_ref TEXT PRIMARY KEY,
  outbox_id INTEGER NOT NULL REFERENCES outbox(id)
) WITHOUT ROWID;
CREATE TABLE inbound_seen (
  key TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE ussd_sessions (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO shops (id, code, name, managers) VALUES (1, 'majubersama', 'BUMDes Maju Bersama', '+6281234567890');
INSERT INTO products (id, shop_id, code, name, price, stock, unit, position) VALUES (1, 1, 'B1', 'Beras 5kg', 65000, 8, 'karung', 1);
INSERT INTO products (id, shop_id, code, name, price, stock, unit, position) VALUES (2, 1, 'M1', 'Minyak 1L', 18000, 5, 'botol', 2);
INSERT INTO customers (shop_id, phone, address, created_at) VALUES (1, '+6281200000001', 'Jl Mawar 3', 1790000000000);
INSERT INTO orders (id, shop_id, phone, status, total, address, channel, source_key, created_at, updated_at) VALUES (7, 1, '+6281200000001', 'accepted', 148000, 'Jl Mawar 3', 'ussd', 'ussd:at:old', 1790000000000, 1790000060000);
INSERT INTO order_items (order_id, product_id, code, name, qty, price) VALUES (7, 2, 'M1', 'Minyak 1L', 1, 18000);
INSERT INTO order_items (order_id, product_id, code, name, qty, price) VALUES (7, 1, 'B1', 'Beras 5kg', 2, 65000);
PRAGMA user_version = 1;
