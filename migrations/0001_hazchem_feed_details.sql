ALTER TABLE `hazchem_feed_documents` ADD `tracking_code` text;--> statement-breakpoint
ALTER TABLE `hazchem_feed_documents` ADD `size` integer;--> statement-breakpoint
ALTER TABLE `hazchem_feed_documents` ADD `source_created_at` text;--> statement-breakpoint
ALTER TABLE `hazchem_feed_documents` ADD `sha256` text;--> statement-breakpoint
ALTER TABLE `hazchem_feed_documents` ADD `matched_by` text;--> statement-breakpoint
ALTER TABLE `hazchem_feed_documents` ADD `order_id` text;--> statement-breakpoint
CREATE INDEX `hazchem_feed_documents_consignment` ON `hazchem_feed_documents` (`consignment_number`);