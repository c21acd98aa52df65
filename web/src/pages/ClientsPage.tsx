/** The firm's clients: search by name, GSTIN or email; create one. */
import { Anchor, Badge, Button, Card, Modal, Table, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../http/client';
import { keys, useClients } from '../http/queries';
import { CAN, useUser } from '../http/session';
import type { Client } from '../http/types';
import { ClientForm } from '../components/ClientForm';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import { stateOf } from '../lib/gstin';
import { notifyDone } from '../lib/notify';

export default function ClientsPage() {
  const user = useUser();
  const clients = useClients();
  const [search, setSearch] = useState('');
  const [creating, { open, close }] = useDisclosure(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  const filtered = useMemo(() => {
    const q = search.trim().toLowerCase();
    const all = clients.data ?? [];
    return q ? all.filter((c) => c.name.toLowerCase().includes(q) || c.gstin.toLowerCase().includes(q) || c.email.toLowerCase().includes(q)) : all;
  }, [clients.data, search]);

  return (
    <>
      <PageHeader
        title="Clients"
        subtitle={clients.data ? `${clients.data.length} clients` : undefined}
        actions={CAN.prepare(user.role) ? <Button onClick={open}>New client</Button> : null}
      />
      <Card withBorder>
        <TextInput label="Search clients" placeholder="Name, GSTIN or email" value={search} onChange={(e) => setSearch(e.currentTarget.value)} mb="sm" maw={360} />
        <QueryState query={clients} label="clients" isEmpty={(d) => d.length === 0} empty="No clients yet. Create the first one.">
          {() =>
            filtered.length === 0 ? (
              <Text c="dimmed" size="sm" py="md">
                No client matches “{search}”.
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={640}>
                <Table highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Name</Table.Th>
                      <Table.Th>GSTIN</Table.Th>
                      <Table.Th>State</Table.Th>
                      <Table.Th>Files</Table.Th>
                      <Table.Th>Email</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {filtered.map((c) => (
                      <Table.Tr key={c.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/clients/${c.id}`} fw={500} size="sm">
                            {c.name}
                          </Anchor>
                          {!c.active ? (
                            <Badge ml="xs" color="gray" size="xs">
                              inactive
                            </Badge>
                          ) : null}
                        </Table.Td>
                        <Table.Td className="mono">{c.gstin}</Table.Td>
                        <Table.Td>{stateOf(c.gstin) ?? c.stateCode}</Table.Td>
                        <Table.Td>{c.filingFrequency === 'monthly' ? 'Monthly' : 'Quarterly'}</Table.Td>
                        <Table.Td>{c.email}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )
          }
        </QueryState>
      </Card>
      <Modal opened={creating} onClose={close} title="New client" size="lg">
        <ClientForm
          onCancel={close}
          onSubmit={async (input) => {
            const created = await api.post<Client>('/api/clients', input);
            await queryClient.invalidateQueries({ queryKey: keys.clients });
            close();
            notifyDone(`${created.name} was created.`);
            void navigate(`/clients/${created.id}`);
          }}
        />
      </Modal>
    </>
  );
}
