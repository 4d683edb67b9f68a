-- options, a sequence that goes, one owned by a column
CREATE SEQUENCE invoice_no AS integer START 1000 INCREMENT 5 MAXVALUE 99999 CYCLE CACHE 10;
CREATE SEQUENCE ticket_no;
CREATE TABLE tickets (id int, n int DEFAULT nextval('ticket_no'));
ALTER SEQUENCE ticket_no OWNED BY tickets.n;
