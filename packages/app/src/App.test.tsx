import { render, screen, within } from '@testing-library/react';
import App from './App';
import { DEMO_PEOPLE } from './modules/signIn/DemoSignInPage';

describe('App', () => {
  it('opens on the demo sign-in page', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test' },
            backend: { baseUrl: 'http://localhost:7007' },
          },
          context: 'test',
        },
      ] as any,
    };

    render(App.createRoot());

    // The demo sign-in page: the guest, or any person of the demo catalog.
    expect(
      await screen.findByText(/Enter as Amelia Chen of the Platform team/),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Enter' })).toBeInTheDocument();
    const people = screen.getByRole('list', { name: 'Demo people' });
    for (const person of DEMO_PEOPLE) {
      expect(
        within(people).getByRole('button', {
          name: `Sign in as ${person.displayName}`,
        }),
      ).toBeInTheDocument();
    }
  });
});
