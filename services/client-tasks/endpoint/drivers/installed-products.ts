import type { InstalledProduct } from '../../../../db/entities';

/** The shape of `installedProducts` in reports: what installed_products_json prints. */
export const INSTALLED_PRODUCTS_SCHEMA = {
  type: 'array',
  items: { type: 'object', required: ['product', 'version'], properties: { product: { type: 'string' }, version: { type: 'string' } } },
};

export function describeInstalled(products: InstalledProduct[]): string {
  return products.map((installed) => `${installed.product} ${installed.version}`).join(', ') || 'none';
}
