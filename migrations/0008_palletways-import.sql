CREATE TABLE `palletways_import_notes` (
	`id` text PRIMARY KEY NOT NULL,
	`tracking_id` text NOT NULL,
	`delta` integer NOT NULL,
	`status_code` text NOT NULL,
	`barcode` text,
	`note_at` integer,
	`exception` integer DEFAULT false NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`job_id` text,
	`applied_at` integer,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `palletways_import_notes_consignment` ON `palletways_import_notes` (`tracking_id`,`status`);--> statement-breakpoint
CREATE INDEX `palletways_import_notes_job` ON `palletways_import_notes` (`job_id`);--> statement-breakpoint
CREATE INDEX `palletways_import_notes_exception` ON `palletways_import_notes` (`exception`,`created_at`);--> statement-breakpoint
CREATE TABLE `palletways_imports` (
	`tracking_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`delivery_depot` text,
	`body` text,
	`lookups` integer DEFAULT 0 NOT NULL,
	`next_lookup_at` integer,
	`claimed_until` integer,
	`upload_id` text,
	`order_id` text,
	`polls` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `palletways_imports_status` ON `palletways_imports` (`status`,`next_lookup_at`);