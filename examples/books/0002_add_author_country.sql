-- Where an author comes from; unknown for the authors already there.

ALTER TABLE authors ADD COLUMN country text;
