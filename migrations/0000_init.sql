CREATE TABLE `attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`ms` integer NOT NULL,
	`outcome` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `attempts_job` ON `attempts` (`job_id`);--> statement-breakpoint
CREATE TABLE `consignments` (
	`network` text NOT NULL,
	`reference` text NOT NULL,
	`order_id` text,
	`customer_reference` text,
	`order_name` text,
	`role` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`network`, `reference`)
);
--> statement-breakpoint
CREATE INDEX `consignments_order` ON `consignments` (`order_id`);--> statement-breakpoint
CREATE TABLE `cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `documents` (
	`id` text PRIMARY KEY NOT NULL,
	`network` text NOT NULL,
	`reference` text NOT NULL,
	`direction` text NOT NULL,
	`sha256` text NOT NULL,
	`document_type` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text,
	`size` integer,
	`r2_key` text,
	`source_ref` text,
	`destination` text,
	`status` text NOT NULL,
	`seq` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `documents_identity` ON `documents` (`network`,`reference`,`direction`,`sha256`);--> statement-breakpoint
CREATE INDEX `documents_sha` ON `documents` (`sha256`);--> statement-breakpoint
CREATE TABLE `inbound_webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`body_sha256` text NOT NULL,
	`event_count` integer NOT NULL,
	`received_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`network` text NOT NULL,
	`reference` text NOT NULL,
	`payload` text NOT NULL,
	`dedupe_key` text,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`last_error` text,
	`next_run_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_dedupe` ON `jobs` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `jobs_status` ON `jobs` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `jobs_consignment` ON `jobs` (`network`,`reference`);--> statement-breakpoint
CREATE TABLE `network_health` (
	`network` text PRIMARY KEY NOT NULL,
	`last_success_at` integer,
	`last_error` text,
	`last_error_code` text,
	`last_error_at` integer,
	`action` text
);
--> statement-breakpoint
CREATE TABLE `timeline` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`network` text NOT NULL,
	`reference` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`step` text NOT NULL,
	`outcome` text NOT NULL,
	`message` text NOT NULL,
	`detail` text,
	`job_id` text
);
--> statement-breakpoint
CREATE INDEX `timeline_consignment` ON `timeline` (`network`,`reference`,`at`);--> statement-breakpoint
CREATE TABLE `ftp_sequences` (
	`tracking_id` text PRIMARY KEY NOT NULL,
	`last_n` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `palletways_fetches` (
	`tracking_id` text NOT NULL,
	`fetched_at` integer NOT NULL,
	`r2_key` text,
	`source` text NOT NULL,
	`pages` integer,
	`new_photos` integer,
	`outcome` text NOT NULL,
	PRIMARY KEY(`tracking_id`, `fetched_at`)
);
--> statement-breakpoint
CREATE TABLE `palletways_windows` (
	`tracking_id` text PRIMARY KEY NOT NULL,
	`completed_at` integer NOT NULL,
	`opened_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`closes_at` integer NOT NULL,
	`fetches` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `photo_sequences` (
	`tracking_id` text PRIMARY KEY NOT NULL,
	`last_n` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `upn_epods` (
	`barcode` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE TABLE `upn_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`barcode` text NOT NULL,
	`stage_code` text NOT NULL,
	`occurred_at` text NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`applied_at` integer,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `upn_events_status` ON `upn_events` (`status`,`barcode`);--> statement-breakpoint
CREATE TABLE `upn_imports` (
	`barcode` text PRIMARY KEY NOT NULL,
	`upload_id` text,
	`order_id` text,
	`status` text NOT NULL,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `upn_tracking_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`r2_key` text NOT NULL,
	`received_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`event_count` integer NOT NULL,
	`status` text NOT NULL,
	`processed_at` integer,
	`error` text
);
--> statement-breakpoint
CREATE TABLE `hazchem_feed_documents` (
	`document_id` text PRIMARY KEY NOT NULL,
	`consignment_number` text NOT NULL,
	`type` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
