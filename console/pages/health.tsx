import { PageHeader } from '../components/page-header';
import type { PageProps } from '../routes';

// Skeleton: the Health page (figures, trend chart) is built on branch h16-console-b.
export function HealthPage(_props: PageProps) {
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Health" description="Event volume, inventory drift and delivery at a glance." />
    </section>
  );
}
