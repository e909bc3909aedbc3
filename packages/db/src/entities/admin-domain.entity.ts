import { Entity, PrimaryColumn } from 'typeorm';

/** The domains a domain admin or support admin may act on. */
@Entity('admin_domains')
export class AdminDomain {
  @PrimaryColumn({ name: 'admin_id', type: 'int' }) adminId: number;
  @PrimaryColumn({ name: 'domain_id', type: 'int' }) domainId: number;
}
