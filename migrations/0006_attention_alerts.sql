CREATE TABLE `alert_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`text` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_outbox_due` ON `alert_outbox` (`status`,`next_at`);--> statement-breakpoint
CREATE TABLE `attention_seen` (
	`id` text PRIMARY KEY NOT NULL,
	`seen_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `documents_status` ON `documents` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `timeline_kind_at` ON `timeline` (`kind`,`at`);--> statement-breakpoint
CREATE INDEX `upn_events_stage` ON `upn_events` (`stage_code`);