-- partitioned tables with keys and indexes, partitions (range, list, default, sub-partitioned),
-- a table attached as a partition, a partition detached
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE INDEX events_kind ON events (kind);
CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE events_2021 PARTITION OF events FOR VALUES FROM ('2021-01-01') TO ('2022-01-01')
	PARTITION BY RANGE (at);
CREATE TABLE events_2021_h1 PARTITION OF events_2021 FOR VALUES FROM ('2021-01-01') TO ('2021-07-01');
CREATE TABLE events_2021_rest PARTITION OF events_2021 DEFAULT;
CREATE TABLE tags (id int, kind text) PARTITION BY LIST (kind);
CREATE TABLE tags_ab PARTITION OF tags FOR VALUES IN ('a', 'b');
CREATE TABLE events_other PARTITION OF events DEFAULT;
CREATE TABLE events_old (id bigint NOT NULL, at date NOT NULL, kind text);
CREATE TABLE loose PARTITION OF events FOR VALUES FROM ('1990-01-01') TO ('2000-01-01');
CREATE TABLE byhash (id int) PARTITION BY HASH (id);
CREATE TABLE byhash_0 PARTITION OF byhash FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE byhash_1 PARTITION OF byhash FOR VALUES WITH (MODULUS 2, REMAINDER 1);
