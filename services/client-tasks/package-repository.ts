import { createHash } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ProductPackage } from '../../db/entities';
import { packageArchiveProblem } from '../../lib/tarball';
import { compareVersions, VERSION_PATTERN } from '../../lib/versions';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError, ConflictError } from '../shared/errors';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';
import { findByIdOrNotFound } from '../shared/find';

export interface PackageCheckIn {
  product: string;
  version: string;
  tarballBase64: string;
  installScript: string;
}

export const MAX_PACKAGE_BYTES = 64 * 1024 * 1024;
const MAX_INSTALL_SCRIPT_BYTES = 64 * 1024;
/** Product names become directory names on endpoints: no slashes, no leading dot, no control characters. */
export const PACKAGE_PRODUCT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9 ._+-]{0,126}[A-Za-z0-9._+-])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const VERSION = new RegExp(VERSION_PATTERN);

function decodeTarball(tarballBase64: string): Buffer {
  const compact = tarballBase64.replace(/\s+/g, '');
  if (compact.length > Math.ceil(MAX_PACKAGE_BYTES / 3) * 4) throw new BadInputError(`A package is at most ${MAX_PACKAGE_BYTES / 1024 / 1024} MiB`, 'tarballBase64');
  if (!compact || !BASE64.test(compact)) throw new BadInputError('tarballBase64 is not base64', 'tarballBase64');
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > MAX_PACKAGE_BYTES) throw new BadInputError(`A package is at most ${MAX_PACKAGE_BYTES / 1024 / 1024} MiB`, 'tarballBase64');
  // Every entry is listed before the package is kept: the endpoint unpacks it as its account, often root.
  const problem = packageArchiveProblem(bytes);
  if (problem) throw new BadInputError(problem, 'tarballBase64');
  return bytes;
}

/** The repository's order: by product, then version, the newest of each product last. */
export function byProductThenVersion(a: Pick<ProductPackage, 'product' | 'version'>, b: Pick<ProductPackage, 'product' | 'version'>): number {
  return a.product.localeCompare(b.product) || compareVersions(a.version, b.version);
}

/** The repository of product packages (ePO's Master Repository): what Deployment, Update and Mirror take to endpoints. */
export class PackageRepositoryService {
  constructor(private readonly em: EntityManager) {}

  /** Adds one version of a product. Everything is checked before anything is written; a version is checked in once. */
  async checkIn(actor: Actor, input: PackageCheckIn): Promise<ProductPackage> {
    const product = input.product.trim();
    if (!PACKAGE_PRODUCT_NAME.test(product)) {
      throw new BadInputError('A product name is 1–128 letters, digits, spaces and ". _ + -", starting and ending with a letter, digit or one of those marks', 'product');
    }
    if (!VERSION.test(input.version)) throw new BadInputError('A version is dotted numbers such as 1.2.0', 'version');
    if (!input.installScript.trim()) throw new BadInputError('The install script must not be empty', 'installScript');
    if (Buffer.byteLength(input.installScript) > MAX_INSTALL_SCRIPT_BYTES || input.installScript.includes('\0')) {
      throw new BadInputError('The install script is text of at most 64 KiB', 'installScript');
    }
    const content = decodeTarball(input.tarballBase64);
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (await this.find(product, input.version)) throw new ConflictError(`${product} ${input.version} is already in the repository; check in a new version`);
    try {
      return await this.em.transactional(async (em) => {
        const checkedIn = em.create(ProductPackage, { product, version: input.version, sha256, size: content.length, installScript: input.installScript, content });
        addAuditEvent(em, {
          actor,
          action: 'checkInPackage',
          target: { type: 'ProductPackage', id: checkedIn.id },
          outcome: AuditOutcome.SUCCESS,
          details: { product, version: input.version, sha256, size: content.length },
        });
        return checkedIn;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`${product} ${input.version} was checked in at the same time`);
      throw error;
    }
  }

  /** Package metadata, newest check-in first; the tarballs stay in the database. */
  list(product: string | null, page: PageRequest): Promise<Page<ProductPackage>> {
    return paginateNewestFirst(this.em, ProductPackage, product == null ? {} : { product: product.trim() }, page);
  }

  get(id: string): Promise<ProductPackage> {
    return findByIdOrNotFound(this.em, ProductPackage, id, 'Package');
  }

  find(product: string, version: string): Promise<ProductPackage | null> {
    return this.em.findOne(ProductPackage, { product, version });
  }

  /** The highest version of a product, or null when the repository has none. */
  async newest(product: string): Promise<ProductPackage | null> {
    const versions = await this.em.find(ProductPackage, { product });
    return versions.sort((a, b) => compareVersions(b.version, a.version))[0] ?? null;
  }

  /** Every package, or every version of the named products; by product, then version. */
  async ofProducts(products: readonly string[] | null): Promise<ProductPackage[]> {
    const packages = await this.em.find(ProductPackage, products ? { product: { $in: [...products] } } : {});
    return packages.sort(byProductThenVersion);
  }

  async content(repositoryPackage: Pick<ProductPackage, 'id'>): Promise<Buffer> {
    const loaded = await this.em.findOneOrFail(ProductPackage, { id: repositoryPackage.id }, { populate: ['content'] });
    return loaded.content;
  }
}
