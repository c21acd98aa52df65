/** The signed-in frame: header with the person and sign-out, side navigation from nav.ts. */
import { Anchor, AppShell, Badge, Burger, Button, Divider, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, type ReactNode } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { setEnrolmentListener } from '../http/client';
import { CAN, useUser, useSession } from '../http/session';
import { ROLE_LABEL } from '../lib/roles';
import { allowed, PAGES, type PageRoute } from '../nav';
import { ReauthProvider } from './Reauth';

const SECTIONS: Array<{ key: NonNullable<PageRoute['nav']>['section']; label: string }> = [
  { key: 'work', label: 'Work' },
  { key: 'firm', label: 'Firm' },
  { key: 'me', label: 'You' },
];

export function Shell({ children }: { children: ReactNode }) {
  const user = useUser();
  const { signOut, links } = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();

  useEffect(() => close(), [location.pathname, close]);
  useEffect(() => {
    setEnrolmentListener(() => {
      void navigate('/account?enrol=required');
    });
  }, [navigate]);

  const items = PAGES.filter((p) => p.nav && allowed(p, user.role));
  const isActive = (path: string) => (path === '/' ? location.pathname === '/' : location.pathname.startsWith(path));
  // A portal user's "clients" is their own business: straight to it.
  const target = (p: PageRoute) => (!CAN.isFirmStaff(user.role) && p.path === '/clients' && user.clientId ? `/clients/${user.clientId}` : p.path);

  return (
    <ReauthProvider>
      <AppShell header={{ height: 52 }} navbar={{ width: 232, breakpoint: 'md', collapsed: { mobile: !opened } }} padding="md">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Open navigation" />
              <Anchor component={Link} to="/" underline="never" c="ink.9">
                <Title order={4} fw={700}>
                  Taalmel
                </Title>
              </Anchor>
            </Group>
            <Group gap="sm" wrap="nowrap">
              <Text size="sm" visibleFrom="xs" data-testid="signed-in-as">
                {user.name}
              </Text>
              <Badge variant="light">{ROLE_LABEL[user.role]}</Badge>
              <Button
                variant="subtle"
                size="xs"
                // Once the session is gone the router's guard shows sign-in (with this page to come back to).
                onClick={() => void signOut()}
              >
                Sign out
              </Button>
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" aria-label="Main navigation">
          <Stack gap={4}>
            {SECTIONS.map((section) => {
              const pages = items.filter((p) => p.nav?.section === section.key);
              if (!pages.length) return null;
              return (
                <div key={section.key}>
                  <Text size="xs" fw={600} c="dimmed" tt="uppercase" px="sm" pt="sm" pb={4}>
                    {section.label}
                  </Text>
                  {pages.map((p) => (
                    <NavLink
                      key={p.path}
                      component={Link}
                      to={target(p)}
                      label={CAN.isFirmStaff(user.role) ? p.nav?.label : (p.nav?.clientLabel ?? p.nav?.label)}
                      active={isActive(target(p))}
                    />
                  ))}
                </div>
              );
            })}
            {/* Places outside the app, for the roles the API links them to. */}
            {links.adminConsole || links.temporalUi ? <Divider my="xs" /> : null}
            {links.adminConsole ? <NavLink href={links.adminConsole} label="Admin console" description="Users, audit, records" /> : null}
            {links.temporalUi ? (
              <NavLink href={links.temporalUi} target="_blank" rel="noopener noreferrer" label="Temporal UI" description="Workflows, their histories (opens a new tab)" />
            ) : null}
          </Stack>
        </AppShell.Navbar>
        <AppShell.Main>{children}</AppShell.Main>
      </AppShell>
    </ReauthProvider>
  );
}
