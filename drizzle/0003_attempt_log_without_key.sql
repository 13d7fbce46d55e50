ALTER TABLE "webhook_attempts" DROP CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk";
--> statement-breakpoint
DROP INDEX "webhook_attempts_delivery_idx";--> statement-breakpoint
CREATE INDEX "webhook_attempts_message_idx" ON "webhook_attempts" USING btree ("message_id");--> statement-breakpoint
-- Room on each page for heap-only updates: a next delivery leased to a worker changes no indexed column (store.ts).
ALTER TABLE "webhook_deliveries" SET (fillfactor = 70);
