-- names that need quoting, on every kind of object
CREATE TYPE "Mood Type" AS ENUM ('Low', 'Mid''dle', 'High');
CREATE DOMAIN "Short Text" AS text CONSTRAINT "Not Empty" CHECK (VALUE <> '');
CREATE SEQUENCE "Seq-1";
CREATE FUNCTION "Do It"("The Arg" int) RETURNS int LANGUAGE sql AS $$ SELECT "The Arg" + 1 $$;
CREATE TABLE "Order Items" ("Select" bigint NOT NULL DEFAULT nextval('"Seq-1"'), "Mixed Case" "Short Text",
	"Mood" "Mood Type" DEFAULT 'Mid''dle',
	CONSTRAINT "Primary Key" PRIMARY KEY ("Select"), CONSTRAINT "Check This" CHECK ("Select" > 0));
CREATE TABLE "Other Table" ("Id" int PRIMARY KEY, "Item" bigint REFERENCES "Order Items");
CREATE INDEX "Index Of It" ON "Order Items" (lower("Mixed Case"));
CREATE VIEW "My View" AS SELECT "Select" AS "Sel", "Mood" FROM "Order Items";
COMMENT ON VIEW "My View" IS 'it''s quoted';
COMMENT ON COLUMN "Order Items"."Select" IS 'a "column"';
CREATE FUNCTION "Trig Fn"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER "On Insert" BEFORE INSERT ON "Order Items" FOR EACH ROW EXECUTE FUNCTION "Trig Fn"();
ALTER TABLE "Order Items" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Everyone Sees" ON "Order Items" FOR SELECT USING (true);
GRANT SELECT ("Mixed Case") ON "Order Items" TO rt_reader;
