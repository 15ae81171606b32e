import {
  Content,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
} from '@backstage/core-components';
import { IdentityApi } from '@backstage/core-plugin-api';
import { SignInPageProps } from '@backstage/plugin-app-react';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';

/** Who the demo can be seen as: the people of examples/org.yaml. */
export const DEMO_PEOPLE = [
  { name: 'bruno.silva', displayName: 'Bruno Silva', team: 'Platform' },
  { name: 'chloe.martin', displayName: 'Chloé Martin', team: 'Payments' },
  { name: 'dev.patel', displayName: 'Dev Patel', team: 'Payments' },
  { name: 'emma.johansson', displayName: 'Emma Johansson', team: 'Payments' },
  { name: 'farid.haddad', displayName: 'Farid Haddad', team: 'Storefront' },
  { name: 'grace.okafor', displayName: 'Grace Okafor', team: 'Storefront' },
  { name: 'hiro.tanaka', displayName: 'Hiro Tanaka', team: 'Storefront' },
];

const CHOICE_KEY = 'pulse-demo-sign-in-as';
/** The header the backend's demo provider reads (packages/backend/src/demoSignIn.ts). */
const DEMO_USER_HEADER = 'x-pulse-demo-user';
const GUEST = 'guest';

/**
 * The demo portal's sign-in page: enter as the guest (Amelia Chen of the platform team), or as
 * any other person of the catalog, to see what they may see and do. The choice lasts for the
 * browser tab.
 */
export function DemoSignInPage(props: SignInPageProps) {
  const [chosen, setChosen] = useState(
    () => window.sessionStorage.getItem(CHOICE_KEY) ?? undefined,
  );
  const choose = (name: string) => {
    window.sessionStorage.setItem(CHOICE_KEY, name);
    setChosen(name);
  };
  // Signing out brings the picker back instead of signing the same person in again.
  const onSignInSuccess = (identity: IdentityApi) =>
    props.onSignInSuccess({
      getProfileInfo: () => identity.getProfileInfo(),
      getBackstageIdentity: () => identity.getBackstageIdentity(),
      getCredentials: () => identity.getCredentials(),
      signOut: async () => {
        window.sessionStorage.removeItem(CHOICE_KEY);
        await identity.signOut();
      },
    });

  if (chosen === GUEST) {
    return (
      <ProxiedSignInPage
        {...props}
        onSignInSuccess={onSignInSuccess}
        provider="guest"
      />
    );
  }
  if (chosen) {
    return (
      <ProxiedSignInPage
        {...props}
        onSignInSuccess={onSignInSuccess}
        provider="demo"
        headers={{ [DEMO_USER_HEADER]: chosen }}
      />
    );
  }
  return (
    <Page themeId="home">
      <Header title="Pulse demo portal" subtitle="Acme's developer portal" />
      <Content>
        <Grid container spacing={3}>
          <Grid item xs={12} md={6}>
            <InfoCard title="Guest">
              <Typography paragraph>
                Enter as Amelia Chen of the Platform team, who may do
                everything.
              </Typography>
              <Button
                variant="contained"
                color="primary"
                onClick={() => choose(GUEST)}
              >
                Enter
              </Button>
            </InfoCard>
          </Grid>
          <Grid item xs={12} md={6}>
            <InfoCard title="Sign in as someone else">
              <Typography variant="body2" color="textSecondary">
                See the portal as another person of the demo catalog: what their
                team owns, what they may act on.
              </Typography>
              <List dense aria-label="Demo people">
                {DEMO_PEOPLE.map(person => (
                  <ListItem
                    key={person.name}
                    button
                    onClick={() => choose(person.name)}
                    aria-label={`Sign in as ${person.displayName}`}
                  >
                    <ListItemText
                      primary={person.displayName}
                      secondary={person.team}
                    />
                  </ListItem>
                ))}
              </List>
            </InfoCard>
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}
