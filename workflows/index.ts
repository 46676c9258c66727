// Every workflow the worker runs, re-exported from its own module. Deterministic code only.
export { inventoryPromotionWorkflow } from './inventory-promotion.js';
export { metricsSnapshotWorkflow } from './metrics-snapshot.js';
export { sinkDeliveryWorkflow } from './sink-delivery.js';
