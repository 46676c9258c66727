import { PageHeader } from '../components/page-header';
import type { PageProps } from '../routes';

// Skeleton: the Actions page (inventory, canonical toggle, tags) is built on branch h16-console-b.
export function ActionsPage(_props: PageProps) {
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Actions" description="The tenant’s action inventory." />
    </section>
  );
}
