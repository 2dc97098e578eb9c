ALTER TABLE `upn_epods` ADD `signed_by` text;--> statement-breakpoint
ALTER TABLE `upn_epods` ADD `signed_at` text;--> statement-breakpoint
ALTER TABLE `upn_epods` ADD `signature_sha256` text;--> statement-breakpoint
ALTER TABLE `upn_epods` ADD `error` text;--> statement-breakpoint
ALTER TABLE `upn_events` ADD `job_id` text;--> statement-breakpoint
CREATE INDEX `upn_events_job` ON `upn_events` (`job_id`);--> statement-breakpoint
ALTER TABLE `upn_imports` ADD `body` text;--> statement-breakpoint
ALTER TABLE `upn_imports` ADD `polls` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `upn_imports_status` ON `upn_imports` (`status`);--> statement-breakpoint
CREATE INDEX `upn_tracking_batches_status` ON `upn_tracking_batches` (`status`);