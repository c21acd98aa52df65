/** The frame of the pages reached from an email link, outside the signed-in shell (invitation, reset). */
import { Box, Card, Center, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function AccountLinkLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center mih="100vh" bg="gray.0" p="md" component="main">
      <Box w={440} maw="100%">
        <Stack gap="lg">
          <div>
            <Title order={1} size="h2" c="ink.9">
              Taalmel
            </Title>
            <Text c="dimmed" size="sm">
              GST reconciliation, period close and client work for your firm
            </Text>
          </div>
          <Card withBorder shadow="sm" padding="lg">
            <Stack>
              <Title order={2} size="h4">
                {title}
              </Title>
              {children}
            </Stack>
          </Card>
        </Stack>
      </Box>
    </Center>
  );
}
