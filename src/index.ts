export default {
  async fetch(): Promise<Response> {
    return new Response("palletbridge");
  },
} satisfies ExportedHandler<Env>;
