import { PageHeader } from '../components/page-header';
import type { PageProps } from '../routes';

export function AuditStreamPage(_props: PageProps) {
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Audit stream" />
    </section>
  );
}
