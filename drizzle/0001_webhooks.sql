DROP INDEX "webhook_deliveries_order_idx";--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ALTER COLUMN "seq" SET DATA TYPE bigint;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_order_idx" ON "webhook_deliveries" USING btree ("endpoint_id","ordering_key","seq") WHERE status = 'pending';