CREATE TABLE `upn_raw_chunks` (
	`batch_id` text NOT NULL,
	`seq` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`batch_id`, `seq`)
);
