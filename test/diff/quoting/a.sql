CREATE TABLE "Order Items" ("Select" int, "Mixed Case" text);
CREATE TYPE "Mood Type" AS ENUM ('Low', 'High');
CREATE FUNCTION "Do It"("The Arg" int) RETURNS int LANGUAGE sql AS $$ SELECT "The Arg" $$;
