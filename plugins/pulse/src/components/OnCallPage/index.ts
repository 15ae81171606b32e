export { OnCallPage, OnCallPageContent } from './OnCallPage';
