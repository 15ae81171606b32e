export { IncidentsPage, IncidentsPageContent } from './IncidentsPage';
