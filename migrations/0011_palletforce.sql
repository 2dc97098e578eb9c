CREATE TABLE `palletforce_bookings` (
	`order_id` text PRIMARY KEY NOT NULL,
	`trip_id` text,
	`order_name` text NOT NULL,
	`pickup_stop_id` text,
	`delivery_stop_id` text,
	`pallets` integer NOT NULL,
	`due_date` text,
	`manifest` text NOT NULL,
	`status` text NOT NULL,
	`tracking_number` text,
	`error` text,
	`cancel_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `palletforce_bookings_tracking` ON `palletforce_bookings` (`tracking_number`);--> statement-breakpoint
CREATE INDEX `palletforce_bookings_status` ON `palletforce_bookings` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `palletforce_events` (
	`key` text PRIMARY KEY NOT NULL,
	`tracking_number` text NOT NULL,
	`code` text NOT NULL,
	`occurred_at` text NOT NULL,
	`pallet_barcode` text,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`seen_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `palletforce_events_tracking` ON `palletforce_events` (`tracking_number`,`status`);--> statement-breakpoint
CREATE INDEX `palletforce_events_code` ON `palletforce_events` (`code`,`seen_at`);--> statement-breakpoint
CREATE TABLE `palletforce_imports` (
	`tracking_number` text PRIMARY KEY NOT NULL,
	`body` text,
	`upload_id` text,
	`order_id` text,
	`status` text NOT NULL,
	`polls` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `palletforce_imports_status` ON `palletforce_imports` (`status`);--> statement-breakpoint
CREATE INDEX `palletforce_imports_created` ON `palletforce_imports` (`created_at`);--> statement-breakpoint
CREATE TABLE `palletforce_moves` (
	`tracking_number` text NOT NULL,
	`stop` text NOT NULL,
	`status` text NOT NULL,
	`at` text NOT NULL,
	`state` text NOT NULL,
	`event_key` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`tracking_number`, `stop`, `status`)
);
--> statement-breakpoint
CREATE TABLE `palletforce_our_scans` (
	`tracking_number` text NOT NULL,
	`code` text NOT NULL,
	`event_time` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`sent_at` integer,
	PRIMARY KEY(`tracking_number`, `code`)
);
--> statement-breakpoint
CREATE INDEX `palletforce_our_scans_sent` ON `palletforce_our_scans` (`status`,`sent_at`);--> statement-breakpoint
CREATE TABLE `palletforce_tracked` (
	`tracking_number` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`order_id` text NOT NULL,
	`pickup_stop_id` text,
	`delivery_stop_id` text,
	`pallets` integer NOT NULL,
	`pallet_barcodes` text,
	`due_date` text,
	`status` text NOT NULL,
	`opened_at` integer NOT NULL,
	`last_polled_at` integer,
	`last_event_at` integer,
	`closed_at` integer
);
--> statement-breakpoint
CREATE INDEX `palletforce_tracked_status` ON `palletforce_tracked` (`status`,`last_polled_at`);--> statement-breakpoint
CREATE INDEX `palletforce_tracked_closed` ON `palletforce_tracked` (`status`,`closed_at`);