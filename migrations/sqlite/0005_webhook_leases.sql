ALTER TABLE `webhooks` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `lease_until` integer;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_pending_idx` ON `webhook_deliveries` (`webhook_id`,`id`) WHERE "webhook_deliveries"."status" = 'pending';