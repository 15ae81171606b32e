import { Content, Header, Page } from '@backstage/core-components';
import { Route, Routes } from 'react-router-dom';
import { IncidentDetailView } from './IncidentDetailView';
import { IncidentList } from './IncidentList';

/** The incidents list and, below it at `:id`, one incident; without a page header. */
export function IncidentsPageContent() {
  return (
    <Content>
      <Routes>
        <Route path="/" element={<IncidentList />} />
        <Route path="/:id" element={<IncidentDetailView />} />
      </Routes>
    </Content>
  );
}

/** The incidents page with its own header, for apps on the legacy frontend system. */
export function IncidentsPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Incidents"
        subtitle="Work the incidents paged to you, your teams and everyone"
      />
      <IncidentsPageContent />
    </Page>
  );
}
