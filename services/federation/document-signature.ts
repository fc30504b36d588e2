import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { generalVerify, type GeneralJWSInput } from 'jose';
import { AuditOutcome, RegisteredServer, ServerSettings } from '../../db/entities';
import { canonicalJson } from '../../lib/canonical-json';
import { DocumentSignatureStatus } from '../../lib/enums';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError, ForbiddenError } from '../shared/errors';
import { decodePublicKey } from './ed25519-keys';
import type { ServerIdentityService } from './server-identity';
import { signGeneralJws } from './share-bundle';

const DOCUMENT_SIGNATURE_TYPE = 'steward-export+jws';
const MAX_SIGNATURE_LENGTH = 16 * 1024;

/** What the signature of a client task document covers: the canonical JSON of the document without its `signature`, by digest. */
interface DocumentSignatureClaims {
  iss: string;
  iat: number;
  /** base64url SHA-256 of canonicalJson(document without signature). */
  digest: string;
}

export interface DocumentSignatureReport {
  status: DocumentSignatureStatus;
  /** The server that signed it, as the signature claims (verified only for VERIFIED). */
  signer: string | null;
}

function digestOf(document: Record<string, unknown>): string {
  const signed = Object.fromEntries(Object.entries(document).filter(([key]) => key !== 'signature'));
  return createHash('sha256').update(canonicalJson(signed)).digest('base64url');
}

/**
 * Signs exported client task documents with this server's key, and checks them on import. A
 * document names its `sourceServer` and carries `signature`, a JWS (General JSON serialization,
 * EdDSA, one signature per signing key) whose payload is { iss, iat, digest }. On import a
 * signature from a registered server must verify (or the import is refused); an unsigned document
 * or one from an unknown signer is accepted only while the server's policy says so.
 */
export class ClientTaskDocumentSignatures {
  constructor(
    private readonly em: EntityManager,
    private readonly identity: ServerIdentityService,
  ) {}

  async sign<T extends object>(document: T): Promise<T & { sourceServer: string; signature: string }> {
    const signer = await this.identity.signer();
    const unsigned = { ...document, sourceServer: signer.issuer };
    const claims: DocumentSignatureClaims = { iss: signer.issuer, iat: Math.floor(Date.now() / 1000), digest: digestOf(unsigned) };
    return { ...unsigned, signature: await signGeneralJws(signer, claims, DOCUMENT_SIGNATURE_TYPE) };
  }

  /** Refuses a document whose signature does not hold, or (by policy) one that cannot be verified. */
  async check(document: unknown): Promise<DocumentSignatureReport> {
    const report = await this.verify(document);
    if (report.status !== DocumentSignatureStatus.VERIFIED && !(await this.unverifiedAccepted())) {
      const why = report.status === DocumentSignatureStatus.UNSIGNED ? 'it is unsigned' : `its signer "${report.signer}" is not a registered server`;
      throw new ForbiddenError(`This server imports only client task documents signed by a registered server, and ${why}`);
    }
    return report;
  }

  async unverifiedAccepted(): Promise<boolean> {
    return (await this.em.findOneOrFail(ServerSettings, { id: 1 })).unverifiedDocumentsAccepted;
  }

  async setUnverifiedAccepted(actor: Actor, accepted: boolean): Promise<boolean> {
    await this.em.transactional(async (em) => {
      // Plain SQL, as for the approval flag: the row's version guards the fallback settings only.
      await em.execute('update "server_settings" set "unverified_documents_accepted" = ? where "id" = 1', [accepted]);
      addAuditEvent(em, { actor, action: 'setUnverifiedDocumentsAccepted', target: { type: 'ServerSettings', id: '1' }, outcome: AuditOutcome.SUCCESS, details: { accepted } });
    });
    return accepted;
  }

  private async verify(document: unknown): Promise<DocumentSignatureReport> {
    if (typeof document !== 'object' || document === null || !('signature' in document)) return { status: DocumentSignatureStatus.UNSIGNED, signer: null };
    const { signature, sourceServer } = document as { signature: unknown; sourceServer?: unknown };
    const refuse = (why: string) => new BadInputError(`The document's signature does not hold: ${why}`, 'document');
    if (typeof signature !== 'string' || signature.length > MAX_SIGNATURE_LENGTH) throw refuse('signature must be a JWS string');
    let jws: GeneralJWSInput;
    let claimed: Partial<DocumentSignatureClaims>;
    try {
      jws = JSON.parse(signature) as GeneralJWSInput;
      if (typeof jws.payload !== 'string') throw new Error('no payload');
      claimed = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Partial<DocumentSignatureClaims>;
    } catch {
      throw refuse('it is not a JWS in General JSON serialization');
    }
    if (typeof claimed.iss !== 'string' || claimed.iss !== sourceServer) throw refuse('it names another server than sourceServer');
    const server = await this.em.findOne(RegisteredServer, { name: claimed.iss });
    if (!server || !server.enabled) return { status: DocumentSignatureStatus.UNKNOWN_SIGNER, signer: claimed.iss };
    let verified: DocumentSignatureClaims;
    try {
      const { payload } = await generalVerify(jws, decodePublicKey(server.publicKey), { algorithms: ['EdDSA'] });
      verified = JSON.parse(new TextDecoder().decode(payload)) as DocumentSignatureClaims;
    } catch {
      throw refuse(`it does not verify with the key registered for ${server.name}`);
    }
    if (verified.digest !== digestOf(document as Record<string, unknown>)) throw refuse(`the document was changed after ${server.name} signed it`);
    return { status: DocumentSignatureStatus.VERIFIED, signer: server.name };
  }
}
