CREATE TABLE `palletways_booking_notes` (
	`tracking_id` text NOT NULL,
	`delta` integer NOT NULL,
	`status_code` text NOT NULL,
	`note_type` text,
	`note_group` text,
	`note_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`sent` text,
	`recorded_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`tracking_id`, `delta`)
);
--> statement-breakpoint
CREATE INDEX `palletways_booking_notes_exceptions` ON `palletways_booking_notes` (`outcome`,`recorded_at`);--> statement-breakpoint
CREATE TABLE `palletways_bookings` (
	`order_id` text PRIMARY KEY NOT NULL,
	`order_name` text NOT NULL,
	`trip_id` text,
	`pickup_stop_id` text NOT NULL,
	`delivery_stop_id` text NOT NULL,
	`status` text NOT NULL,
	`round` integer DEFAULT 1 NOT NULL,
	`manifest` text NOT NULL,
	`manifest_sent` text,
	`answer` text,
	`message` text,
	`commit_started_at` integer,
	`commits` integer DEFAULT 0 NOT NULL,
	`tracking_id` text,
	`booked_at` integer,
	`labels` text,
	`pod` text,
	`last_note_at` integer,
	`pickup_completed_at` integer,
	`delivery_completed_at` integer,
	`cancel_requested_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `palletways_bookings_tracking` ON `palletways_bookings` (`tracking_id`);--> statement-breakpoint
CREATE INDEX `palletways_bookings_order_name` ON `palletways_bookings` (`order_name`);--> statement-breakpoint
CREATE INDEX `palletways_bookings_updated` ON `palletways_bookings` (`updated_at`);